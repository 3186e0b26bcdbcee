/**
 * The control plane as `vortex up` and `vortex scaler` run it (cli/control-plane.ts), in process on a
 * real store with real process backends: it leads and converges, a reload adds an app and changes
 * another (the reconciler restarts on the new apps and adopts what runs), and a second control plane
 * after the first closed adopts the same backends instead of starting new ones.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { ControlPlane } from '../../cli/control-plane.js';
import { parseConfig } from '../../config/load.js';
import type { VortexConfig } from '../../config/resolve.js';
import { ProcessProvider } from '../../plugins/process/process-provider.js';
import { keys } from '../../store/keys.js';
import { ContainerRecord } from '../../store/records/container-record.js';
import { Records } from '../../store/records/records.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { tempDir } from '../helpers/temp-dir.js';

const ECHO_SERVER = fileURLToPath(new URL('../images/echo/server.js', import.meta.url));
const WAIT = { timeoutMs: 20_000, intervalMs: 50 };
const silent = pino({ level: 'silent' });

function configOf(dataDir: string, startingPort: number, apps: Array<{ name: string; min: number }>): VortexConfig {
  return parseConfig(
    stringify({
      store: { data_dir: dataDir },
      cluster: { starting_port: startingPort },
      apps: apps.map(({ name, min }) => ({
        name,
        match: { host: `${name}.localhost` },
        min_replicas: min,
        max_replicas: 3,
        health: { path: '/healthz', interval: '1s', timeout: '1s' },
        backend: { plugin: 'process', command: [process.execPath, ECHO_SERVER] },
      })),
    }),
    'control-plane-test.yaml',
    { env: {} },
  );
}

it('leads and converges; a reload adds and changes apps; a later control plane adopts the same backends', async () => {
  const { store } = await openTestStore();
  const records = new Records(store);
  const dataDir = await tempDir('vx-control-plane-');
  const startingPort = await freePort();
  const stateDir = join(dataDir, 'plugins', 'process');
  onTestFinished(async () => {
    const provider = new ProcessProvider({ context: { apps: [], startingPort, stateDir, logger: silent } });
    for (const instance of await provider.list()) await provider.stop(instance, { graceMs: 0 });
    await provider.close();
  });
  const ids = async (app: string) => (await records.query(ContainerRecord, { app, status: 'Running' })).map((e) => e.record.id).sort();
  const routed = async (app: string) => JSON.parse((await store.get(keys.router(app)))?.value.toString('utf8') ?? '[]') as string[];

  const first = await ControlPlane.start({ store, config: configOf(dataDir, startingPort, [{ name: 'a', min: 1 }]), logger: silent });
  onTestFinished(() => first.close());
  await eventually(async () => {
    expect(first.isLeader).toBe(true);
    expect(await ids('a')).toHaveLength(1);
    expect(await routed('a')).toHaveLength(1);
  }, WAIT);
  const [original] = await ids('a');

  await first.applyConfig(configOf(dataDir, startingPort, [{ name: 'a', min: 2 }, { name: 'b', min: 1 }]));
  await eventually(async () => {
    expect(await ids('a')).toHaveLength(2);
    expect(await ids('b')).toHaveLength(1);
    expect(await routed('b')).toHaveLength(1);
  }, WAIT);
  expect(await ids('a')).toContain(original);
  const before = { a: await ids('a'), b: await ids('b') };

  await first.close();
  expect(await store.get(keys.scalerLeader)).toBeUndefined();
  const second = await ControlPlane.start({ store, config: configOf(dataDir, startingPort, [{ name: 'a', min: 2 }, { name: 'b', min: 1 }]), logger: silent });
  onTestFinished(() => second.close());
  await eventually(async () => {
    expect(second.isLeader).toBe(true);
    expect(await ids('a')).toEqual(before.a);
    expect(await ids('b')).toEqual(before.b);
    expect((await routed('a')).length + (await routed('b')).length).toBe(3);
  }, WAIT);
});
