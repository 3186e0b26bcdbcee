/** The real-etcd test helper must never leak an etcd, even when the test process is SIGKILLed. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startEtcd } from '../helpers/etcd.js';

const HOLDER = fileURLToPath(new URL('./fixtures/etcd-holder.ts', import.meta.url));

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${endpoint}/health`);
    return ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

/** Polls `check` until true or fails after `timeoutMs`. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('etcd test helper', () => {
  it('stop() ends etcd and removes its data dir', async () => {
    const etcd = await startEtcd();
    expect(await healthy(etcd.endpoint)).toBe(true);
    await etcd.stop();
    expect(await healthy(etcd.endpoint)).toBe(false);
    expect(existsSync(etcd.dataDir)).toBe(false);
  });

  it('a SIGKILLed test process takes its etcd and data dir with it', async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', HOLDER], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const started = await new Promise<{ endpoint: string; dataDir: string }>((resolve, reject) => {
        holder.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString('utf8')) as { endpoint: string; dataDir: string }));
        holder.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
      });
      expect(await healthy(started.endpoint)).toBe(true);
      holder.kill('SIGKILL');
      await until(async () => !(await healthy(started.endpoint)), 10_000, 'etcd stopped');
      await until(() => !existsSync(started.dataDir), 10_000, 'data dir removed');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
