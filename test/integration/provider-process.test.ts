/**
 * The process plugin: the provider contract with the echo server run straight from the repository,
 * then what only local processes have (log files, process trees, SIGKILL after the grace period,
 * reused pids, state files).
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { runProviderContract } from '../../plugins/conformance/provider-contract.js';
import { readProcStat } from '../../plugins/process/proc-stat.js';
import { ProcessProvider } from '../../plugins/process/process-provider.js';
import { StateDir } from '../../plugins/process/state-file.js';
import type { Instance, ProviderContext } from '../../plugins/provider.js';
import { appConfigOf } from '../helpers/app-config.js';
import { freePort } from '../helpers/free-port.js';
import { eventually } from '../helpers/eventually.js';

const echoServer = fileURLToPath(new URL('../images/echo/server.js', import.meta.url));
const starter = fileURLToPath(new URL('fixtures/process-provider-starter.ts', import.meta.url));
const run = promisify(execFile);
const quiet: ProviderContext['logger'] = { info: () => undefined, warn: () => undefined };

/** Whether a pid is a live (non-zombie) process. */
async function running(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

function processApp(name: string, backend: Record<string, unknown> = {}) {
  return appConfigOf({ name, backend: { plugin: 'process', command: [process.execPath, echoServer], stop_timeout: '2s', ...backend } });
}

describe('process provider', () => {
  let startingPort = 0;
  let stateDir = '';
  beforeAll(async () => {
    startingPort = await freePort();
  });

  // A fresh state dir per case (contract cases included): a case's second provider object shares it.
  // Removed only after all cases: each case's own cleanup (run after afterEach) still reads it.
  const stateDirs: string[] = [];
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'vx-process-'));
    stateDirs.push(stateDir);
  });
  afterAll(async () => {
    await Promise.all(stateDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  runProviderContract({
    name: 'process',
    create: () => Promise.resolve(new ProcessProvider({ context: context(), pollIntervalMs: 100 })),
    appConfig: (app) => processApp(app),
    killFromOutside: (instance) => {
      process.kill(Number(instance.labels.pid), 'SIGKILL');
      return Promise.resolve();
    },
    cleanup: async (app) => {
      const provider = new ProcessProvider({ context: context() });
      for (const instance of await provider.list(app)) await provider.stop(instance, { graceMs: 0 });
    },
  });

  function context(): ProviderContext {
    return { apps: [], startingPort, stateDir, logger: quiet };
  }

  function fresh(options: { pollIntervalMs?: number } = {}): ProcessProvider {
    const provider = new ProcessProvider({ context: context(), pollIntervalMs: options.pollIntervalMs ?? 100 });
    onTestFinished(async () => {
      for (const instance of await provider.list()) await provider.stop(instance, { graceMs: 0 });
      await provider.close();
    });
    return provider;
  }

  it('appends stdout and stderr to logs/<app>/<instanceId>.log under the state dir', async () => {
    const provider = fresh();
    const config = processApp('logs', { command: ['sh', '-c', 'echo "out $PORT $INSTANCE_ID $(pwd)"; echo "err $GREETING" >&2; exec sleep 60'], env: { GREETING: 'hi' }, cwd: stateDir });
    const instance = await provider.start({ app: 'logs', instanceId: 'l1', config });
    const logFile = `${stateDir}/logs/logs/l1.log`;
    expect(instance.labels.logFile).toBe(logFile);
    const port = instance.address.split(':')[1];
    await expect.poll(() => readFile(logFile, 'utf8'), { timeout: 5_000 }).toContain(`out ${port} l1 ${stateDir}\nerr hi\n`);
    expect(await readFile(logFile, 'utf8')).toMatch(/^--- vortex: .* starting \["sh","-c",/);
  });

  it('stop ends the whole process tree, and SIGKILLs what ignores SIGTERM after the grace period', async () => {
    const provider = fresh();
    // The shell ignores SIGTERM and has a child; both must be gone after stop.
    const config = processApp('tree', { command: ['sh', '-c', 'trap "" TERM; sleep 300 & echo "child=$!"; wait'] });
    const instance = await provider.start({ app: 'tree', instanceId: 't1', config });
    const childPid = await eventually(async () => {
      const found = /child=(\d+)/.exec(await readFile(instance.labels.logFile!, 'utf8'));
      expect(found).not.toBeNull();
      return Number(found![1]);
    });
    expect(await running(childPid)).toBe(true);

    await provider.stop(instance, { graceMs: 200 });
    expect(await running(Number(instance.labels.pid))).toBe(false);
    expect(await running(childPid)).toBe(false);
    expect(await provider.list('tree')).toEqual([]);
  });

  it('a command that cannot run is VX_PROVIDER_START_FAILED, and leaves no state and no port held', async () => {
    const provider = fresh();
    const config = processApp('bad', { command: ['/nonexistent/program'] });
    await expect(provider.start({ app: 'bad', instanceId: 'b1', config })).rejects.toMatchObject({ code: 'VX_PROVIDER_START_FAILED', message: expect.stringContaining('/nonexistent/program') as string });
    expect(await provider.list()).toEqual([]);
    const next = await provider.start({ app: 'bad', instanceId: 'b2', config: processApp('bad') });
    expect(next.address).toBe(`127.0.0.1:${startingPort}`);
  });

  it('an instance id already running is refused (VX_PROVIDER_INVALID_SPEC) and the running one is untouched; after stop it may be used again', async () => {
    const provider = fresh();
    const config = processApp('dup', { command: ['sleep', '60'] });
    const first = await provider.start({ app: 'dup', instanceId: 'd1', config });
    await expect(provider.start({ app: 'dup', instanceId: 'd1', config })).rejects.toMatchObject({ code: 'VX_PROVIDER_INVALID_SPEC' });
    expect(await provider.inspect(first)).toEqual({ alive: true });
    await provider.stop(first, { graceMs: 0 });

    const again = await provider.start({ app: 'dup', instanceId: 'd1', config });
    const controller = new AbortController();
    onTestFinished(() => controller.abort());
    const events = provider.events(controller.signal)[Symbol.asyncIterator]();
    process.kill(Number(again.labels.pid), 'SIGKILL');
    expect((await events.next()).value).toMatchObject({ type: 'died', id: again.id, exitCode: 137 });
  });

  it('a state file whose pid now belongs to another process is not alive, and stop leaves that process alone', async () => {
    const provider = fresh();
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
    onTestFinished(() => void stranger.kill('SIGKILL'));
    await new Promise((resolve) => stranger.once('spawn', resolve));
    const pid = stranger.pid!;
    await new StateDir(stateDir).write({ version: 1, app: 'reused', instanceId: 'r1', pid, port: 1, startedAt: 0, procStartTime: '1', command: ['x'], logFile: '/dev/null' });

    const [instance] = await provider.list('reused');
    expect(instance).toMatchObject({ id: `process:${pid}`, instanceId: 'r1' });
    expect(await provider.inspect(instance!)).toMatchObject({ alive: false, reason: expect.stringContaining('another process') as string });
    await provider.stop(instance!, { graceMs: 0 });
    expect(await running(pid)).toBe(true);
    expect(await provider.list('reused')).toEqual([]);
  });

  it('a child killed from outside is reported with its exit code (128 + signal) and stays listed until stopped', async () => {
    const provider = fresh();
    const instance = await provider.start({ app: 'exits', instanceId: 'e1', config: processApp('exits', { command: ['sleep', '60'] }) });
    const controller = new AbortController();
    onTestFinished(() => controller.abort());
    const events = provider.events(controller.signal)[Symbol.asyncIterator]();
    process.kill(Number(instance.labels.pid), 'SIGTERM');
    expect((await events.next()).value).toMatchObject({ type: 'died', id: instance.id, instanceId: 'e1', exitCode: 143 });
    expect(await provider.inspect(instance)).toMatchObject({ alive: false, exitCode: 143 });
    expect((await provider.list('exits')).map((i) => i.id)).toEqual([instance.id]);
    await writeFile(`${stateDir}/process/exits/garbage.json`, 'not json');
    expect((await provider.list('exits')).map((i) => i.id)).toEqual([instance.id]);
  });

  it('adopts an instance a Vortex that has since exited started: lists it, sees it die (by polling), stops it', async () => {
    const provider = fresh({ pollIntervalMs: 100 });
    const { stdout } = await run(process.execPath, ['--import', 'tsx', starter, stateDir, String(startingPort), 'adopt', 'a1']);
    const instance = JSON.parse(stdout) as Instance;
    // Its parent is gone; it runs on, in its own process group.
    await expect.poll(async () => ((await (await fetch(`http://${instance.address}/`, { signal: AbortSignal.timeout(2000) })).json()) as { id: string }).id, { timeout: 10_000 }).toBe('a1');

    const [adopted] = await provider.list('adopt');
    expect(adopted).toMatchObject({ id: instance.id, address: instance.address });
    expect(await provider.inspect(adopted!)).toEqual({ alive: true });
    // Its port is not handed out again.
    const other = await provider.start({ app: 'adopt', instanceId: 'a2', config: processApp('adopt') });
    expect(other.address).not.toBe(instance.address);

    const controller = new AbortController();
    onTestFinished(() => controller.abort());
    const events = provider.events(controller.signal)[Symbol.asyncIterator]();
    process.kill(Number(instance.labels.pid), 'SIGKILL');
    expect((await events.next()).value).toMatchObject({ type: 'died', id: instance.id, instanceId: 'a1' });
    await provider.stop(adopted!, { graceMs: 0 });
    expect((await provider.list('adopt')).map((i) => i.instanceId)).toEqual(['a2']);
  });
});
