/**
 * The reconciler with the docker provider and the echo image on the real engine: scale up and drain
 * down, `docker kill` healed, adoption after a restart (checked with a list by label), and a missing
 * image reported as VX_PROVIDER_IMAGE_MISSING and retried. Containers carry this run's label and are
 * removed in afterAll, so other runs sharing the engine are never touched.
 */
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { AppConfig } from '../../config/resolve.js';
import { DockerProvider } from '../../plugins/docker/docker-provider.js';
import type { ProviderContext } from '../../plugins/provider.js';
import { appConfigOf } from '../helpers/app-config.js';
import { TEST_RUN_LABEL as RUN_LABEL, dockerOrSkip, removeContainers } from '../helpers/docker.js';
import { ECHO_IMAGE, ensureEchoImage } from '../helpers/echo-image.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { socketRelay } from '../helpers/socket-relay.js';
import { tempDir } from '../helpers/temp-dir.js';
import type { ReconcilerHarness } from '../helpers/reconciler-harness.js';
import { containers, echoId, events, reconcilerHarness, reportInflight, router, scaleTo, settledAt, WAIT } from '../helpers/reconciler-harness.js';

const engine = await dockerOrSkip();
const RUN = `vx-rec-${randomBytes(4).toString('hex')}`;
const quiet: ProviderContext['logger'] = { info: () => undefined, warn: () => undefined };

/** Containers of this run for `app`, as the engine lists them by label. */
async function listed(docker: Docker, app: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${RUN}`, `vortex.app=${app}`] } });
}

function dockerApp(name: string, image = ECHO_IMAGE): AppConfig {
  return appConfigOf({
    name,
    min_replicas: 0,
    health: { path: '/healthz', interval: '500ms', timeout: '500ms' },
    drain_timeout: '20s',
    backend: { plugin: 'docker', image, stop_timeout: '2s', labels: { [RUN_LABEL]: RUN } },
  });
}

/** A fresh app name per test (docker names must be unique on the engine). */
function appName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

describe.skipIf(!engine.available)('reconciler with the docker provider', () => {
  const { docker } = engine;
  let startingPort = 0;
  beforeAll(async () => {
    await ensureEchoImage(docker);
    startingPort = await freePort();
  });
  afterAll(async () => {
    await removeContainers(docker, [`${RUN_LABEL}=${RUN}`]);
  });

  function harness(apps: AppConfig[]): Promise<ReconcilerHarness> {
    return reconcilerHarness(apps, () => new DockerProvider({ context: { apps, startingPort, stateDir: '/nonexistent', logger: quiet }, docker, reconnect: { initialMs: 50, maxMs: 500 } }));
  }

  it('ScaleJob 3 → three routed containers that answer; ScaleJob 1 → two drain (out of the router, stopped once idle)', async () => {
    const app = appName('rd');
    const h = await harness([dockerApp(app)]);
    await scaleTo(h, app, 3);
    const three = await settledAt(h, app, 3);
    for (const record of three) expect(await echoId(record.address)).toBe(record.id);

    await reportInflight(h, app, Object.fromEntries(three.map((record) => [record.address, 1])));
    await scaleTo(h, app, 1);
    const draining = await eventually(async () => {
      const out = (await containers(h, app)).filter((record) => record.status === 'Draining');
      expect(out).toHaveLength(2);
      expect(await router(h, app)).toHaveLength(1);
      return out;
    }, WAIT);
    for (const record of draining) expect(await echoId(record.address)).toBe(record.id);
    await reportInflight(h, app, Object.fromEntries(three.map((record) => [record.address, 0])));
    await settledAt(h, app, 1);
    await eventually(async () => expect(await listed(docker, app)).toHaveLength(1), WAIT);
  });

  it('docker kill: the backend leaves router:<app> and a replacement is routed', async () => {
    const app = appName('rk');
    const h = await harness([dockerApp(app)]);
    await scaleTo(h, app, 2);
    const [victim] = await settledAt(h, app, 2);
    const instance = (await h.provider.list(app)).find((candidate) => candidate.instanceId === victim!.id)!;
    await docker.getContainer(instance.id).kill();
    await eventually(async () => expect(await router(h, app)).not.toContain(victim!.address), WAIT);
    await eventually(async () => {
      const records = await settledAt(h, app, 2);
      expect(records.map((record) => record.id)).not.toContain(victim!.id);
    }, WAIT);
    const kinds = (await events(h, app)).filter((event) => event.instanceId === victim!.id).map((event) => event.kind);
    expect(kinds).toEqual(expect.arrayContaining(['died', 'replace']));
  });

  it('a restarted reconciler adopts the running containers: no duplicate, no orphan (list by label)', async () => {
    const app = appName('ra');
    const h = await harness([dockerApp(app)]);
    await scaleTo(h, app, 2);
    const before = await settledAt(h, app, 2);
    const ids = (await listed(docker, app)).map((c) => c.Id).sort();
    await h.restart();
    const after = await settledAt(h, app, 2);
    expect(after.map((record) => record.id).sort()).toEqual(before.map((record) => record.id).sort());
    expect((await listed(docker, app)).map((c) => c.Id).sort()).toEqual(ids);
  });

  it('the engine away at start and again mid-run: error events VX_PROVIDER_ENGINE_UNREACHABLE, retried, nothing crashes, converges when it returns', async () => {
    const relay = await socketRelay(await tempDir(), '/var/run/docker.sock', false);
    onTestFinished(() => relay.close());
    const app = appName('ru');
    const apps = [dockerApp(app)];
    const h = await reconcilerHarness(apps, () => new DockerProvider({ context: { apps, startingPort, stateDir: '/nonexistent', logger: quiet }, docker: new Docker({ socketPath: relay.path }), reconnect: { initialMs: 50, maxMs: 500 } }));
    await scaleTo(h, app, 1);
    await eventually(async () => {
      const found = (await events(h, app)).filter((event) => event.kind === 'error' && event.code === 'VX_PROVIDER_ENGINE_UNREACHABLE');
      expect(found.length).toBeGreaterThanOrEqual(2);
    }, WAIT);
    expect(await listed(docker, app)).toEqual([]);

    await relay.resume();
    await settledAt(h, app, 1);
    await relay.stop();
    await scaleTo(h, app, 2);
    const before = (await events(h, app)).length;
    await eventually(async () => expect((await events(h, app)).slice(before).some((event) => event.code === 'VX_PROVIDER_ENGINE_UNREACHABLE')).toBe(true), WAIT);
    await relay.resume();
    await settledAt(h, app, 2);
    expect(await listed(docker, app)).toHaveLength(2);
  });

  it('a missing image: error events with VX_PROVIDER_IMAGE_MISSING, retried, nothing left behind', async () => {
    const app = appName('rm');
    const h = await harness([dockerApp(app, `vortex-test/does-not-exist:${RUN}`)]);
    await scaleTo(h, app, 1);
    const errors = await eventually(async () => {
      const found = (await events(h, app)).filter((event) => event.kind === 'error');
      expect(found.length).toBeGreaterThanOrEqual(2);
      return found;
    }, WAIT);
    expect(errors.every((event) => event.code === 'VX_PROVIDER_IMAGE_MISSING')).toBe(true);
    expect(errors[0]!.message).toContain(`vortex-test/does-not-exist:${RUN}`);
    expect(await containers(h, app)).toEqual([]);
    expect(await listed(docker, app)).toEqual([]);
  });
});
