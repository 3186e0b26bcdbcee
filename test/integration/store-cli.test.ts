import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { runVortex, startVortex } from '../helpers/vortex-process.js';
import type { VortexProcess } from '../helpers/vortex-process.js';

// `vortex store` as operators run it: its own process, etcdctl against it, SIGTERM, restart, lock.

const run = promisify(execFile);
const READY = /^vortex store: serving /;

async function etcdctl(endpoint: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/etcdctl', [`--endpoints=${endpoint}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 15_000 });
  return stdout;
}

describe('vortex store', () => {
  let dataDir = '';
  const running: VortexProcess[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vortex-store-cli-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(port: number): Promise<VortexProcess> {
    const store = await startVortex(['store', '--listen', `127.0.0.1:${port}`, '--data', dataDir], READY);
    running.push(store);
    return store;
  }

  it('serves etcdctl, stops on SIGTERM with exit 0, and keeps every write across a restart', async () => {
    const port = await freePort();
    const endpoint = `127.0.0.1:${port}`;
    const first = await start(port);
    expect(first.ready).toBe(`vortex store: serving ${dataDir} on ${endpoint} (etcd v3 API; revision 1)`);
    expect(await etcdctl(endpoint, 'put', 'greeting', 'hello')).toBe('OK\n');
    await etcdctl(endpoint, 'put', 'vortex:a', '1');
    await etcdctl(endpoint, 'put', 'vortex:b', '2');
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await start(port);
    expect(second.ready).toContain('revision 4');
    expect(await etcdctl(endpoint, 'get', 'greeting', '--print-value-only')).toBe('hello\n');
    expect(await etcdctl(endpoint, 'get', 'vortex:', '--prefix', '--keys-only')).toBe('vortex:a\n\nvortex:b\n\n');
  });

  it('refuses a second process on the same data directory, naming it', async () => {
    await start(await freePort());
    const second = await runVortex(['store', '--listen', `127.0.0.1:${await freePort()}`, '--data', dataDir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`data directory ${dataDir} is in use by another process`);
  });

  it('refuses a bad --listen with exit 2', async () => {
    const result = await runVortex(['store', '--listen', 'nowhere', '--data', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--listen "nowhere": expected host:port');
  });
});
