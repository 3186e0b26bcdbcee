/**
 * Crash safety: a child process writes two-key txns in a loop and reports each acknowledged txn;
 * it is killed with SIGKILL at random moments, several times. After each kill the store must open
 * (cutting a torn tail if there is one), hold every acknowledged txn, and show every txn whole or
 * not at all.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import { prefixRange } from '../../store/store.js';

const WRITER = fileURLToPath(new URL('./fixtures/store-crash-writer.ts', import.meta.url));
const ROUNDS = 6;

/** Runs the writer until `killAfterMs` after it is ready, SIGKILLs it, returns the acked txn numbers. */
function runAndKill(dataDir: string, firstN: number, killAfterMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, String(firstN)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!out.includes('ready\n') && (out + chunk).includes('ready\n')) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(giveUp);
      if (signal !== 'SIGKILL' || !out.includes('ready\n')) {
        reject(new Error(`writer exited with ${signal ?? 'code'} before the kill: ${err}`));
        return;
      }
      // The last line may be cut mid-write: only complete lines count as acknowledged.
      const lines = out.slice(0, out.lastIndexOf('\n')).split('\n');
      resolve(lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4))));
    });
  });
}

describe('EmbeddedStore crash safety', () => {
  it('keeps every acknowledged txn and never shows half a txn after SIGKILL', async () => {
    const dataDir = await tempDir('vx-crash-');
    const acked = new Set<number>();
    for (let round = 0; round < ROUNDS; round++) {
      const killAfterMs = 50 + Math.floor(Math.random() * 400);
      for (const n of await runAndKill(dataDir, round * 1_000_000, killAfterMs)) acked.add(n);

      const store = await EmbeddedStore.open({ dataDir, logger: { warn: () => undefined } });
      try {
        const a = new Map((await store.range(prefixRange('a/'))).kvs.map((kv) => [kv.key.toString().slice(2), kv.value.toString()]));
        const b = new Map((await store.range(prefixRange('b/'))).kvs.map((kv) => [kv.key.toString().slice(2), kv.value.toString()]));
        const missing = [...acked].filter((n) => !a.has(String(n)) || !b.has(String(n)));
        expect(missing, `round ${round}: acknowledged txns lost`).toEqual([]);
        expect([...a.keys()].sort(), `round ${round}: half-applied txns`).toEqual([...b.keys()].sort());
        for (const [n, value] of a) expect(value).toBe(b.get(n));
        const aKvs = (await store.range(prefixRange('a/'))).kvs;
        const bKvs = new Map((await store.range(prefixRange('b/'))).kvs.map((kv) => [kv.key.toString().slice(2), kv.modRevision]));
        for (const kv of aKvs) expect(kv.modRevision).toBe(bKvs.get(kv.key.toString().slice(2)));
      } finally {
        await store.close();
      }
    }
    expect(acked.size).toBeGreaterThan(ROUNDS * 10);
  }, 60_000);
});
