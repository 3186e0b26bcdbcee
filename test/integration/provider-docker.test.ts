/**
 * The docker plugin against the real engine: the provider contract, then what only Docker has (images,
 * bridge publishing, limits, labels, engine outages). Every container is labelled with this run's id
 * and removed in afterAll, so a failed run leaves nothing behind and other runs are never touched.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runProviderContract } from '../../plugins/conformance/provider-contract.js';
import { DockerProvider } from '../../plugins/docker/docker-provider.js';
import type { BackendProvider, ProviderContext, ProviderEvent } from '../../plugins/provider.js';
import { appConfigOf } from '../helpers/app-config.js';
import { TEST_RUN_LABEL as RUN_LABEL, dockerOrSkip, removeContainers } from '../helpers/docker.js';
import { ECHO_IMAGE, ensureEchoImage } from '../helpers/echo-image.js';
import { freePort } from '../helpers/free-port.js';
import { socketRelay } from '../helpers/socket-relay.js';
import { tempDir } from '../helpers/temp-dir.js';

const engine = await dockerOrSkip();
const RUN = `vx-test-${randomBytes(4).toString('hex')}`;
const quiet: ProviderContext['logger'] = { info: () => undefined, warn: () => undefined };

/** Removes every container of this run (or of one app of it). */
/** This file's containers (of one app, when given). */
function removeRunContainers(docker: Docker, app?: string): Promise<void> {
  return removeContainers(docker, [`${RUN_LABEL}=${RUN}`, ...(app === undefined ? [] : [`vortex.app=${app}`])]);
}

function dockerApp(name: string, backend: Record<string, unknown> = {}) {
  return appConfigOf({ name, backend: { plugin: 'docker', image: ECHO_IMAGE, stop_timeout: '2s', ...backend, labels: { [RUN_LABEL]: RUN, ...((backend.labels as object) ?? {}) } } });
}

describe.skipIf(!engine.available)('docker provider', () => {
  const { docker } = engine;
  let startingPort = 0;

  beforeAll(async () => {
    await ensureEchoImage(docker);
    startingPort = await freePort();
  });
  afterAll(async () => {
    await removeRunContainers(docker);
  });

  function context(): ProviderContext {
    return { apps: [], startingPort, stateDir: '/nonexistent', logger: quiet };
  }

  runProviderContract({
    name: 'docker',
    create: () => Promise.resolve(new DockerProvider({ context: context(), docker, reconnect: { initialMs: 50, maxMs: 500 } })),
    appConfig: (app) => dockerApp(app),
    killFromOutside: async (instance) => {
      await docker.getContainer(instance.id).kill();
    },
    cleanup: (app) => removeRunContainers(docker, app),
  });

  function provider(options: Partial<ConstructorParameters<typeof DockerProvider>[0]> = {}): BackendProvider {
    const p = new DockerProvider({ context: context(), docker, reconnect: { initialMs: 50, maxMs: 500 }, ...options });
    onTestFinished(() => p.close());
    return p;
  }

  function appName(): string {
    const app = `dk-${randomBytes(3).toString('hex')}`;
    onTestFinished(() => removeRunContainers(docker, app));
    return app;
  }

  it('a missing image is VX_PROVIDER_IMAGE_MISSING naming it, and nothing is left behind', async () => {
    const app = appName();
    const image = `vortex-test/does-not-exist:${RUN}`;
    const p = provider();
    await expect(p.start({ app, instanceId: 'i1', config: dockerApp(app, { image }) })).rejects.toMatchObject({
      code: 'VX_PROVIDER_IMAGE_MISSING',
      message: expect.stringContaining(image) as string,
    });
    expect(await p.list(app)).toEqual([]);
  });

  it('pull: if-missing tries to pull and reports the pull failure (a registry on 127.0.0.1 that is not there)', async () => {
    const app = appName();
    const image = `127.0.0.1:${await freePort()}/vortex-test/nope:latest`;
    const p = provider();
    const failure = p.start({ app, instanceId: 'i1', config: dockerApp(app, { image, pull: 'if-missing' }) });
    await expect(failure).rejects.toMatchObject({ code: 'VX_PROVIDER_IMAGE_MISSING', message: expect.stringMatching(/pulling it failed: .*(refused|connect)/) as string });
    await expect(failure).rejects.toThrow(image);
  });

  it('bridge: the container port is published on 127.0.0.1 only, and answers there', async () => {
    const app = appName();
    // In a bridge network the server must listen on all the container's interfaces, not its loopback.
    const config = dockerApp(app, { network: 'bridge', port: 8080, env: { HOST: '0.0.0.0' } });
    const p = provider();
    const instance = await p.start({ app, instanceId: 'b1', config });
    const info = await docker.getContainer(instance.id).inspect();
    const hostPort = instance.address.split(':')[1];
    expect(info.HostConfig.NetworkMode).toBe('bridge');
    expect(info.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: hostPort }] });
    expect(info.NetworkSettings.Ports['8080/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: hostPort }]);
    expect(info.Config.Env).toEqual(expect.arrayContaining(['PORT=8080', 'INSTANCE_ID=b1', 'HOST=0.0.0.0']));
    await expect
      .poll(async () => ((await (await fetch(`http://${instance.address}/`, { signal: AbortSignal.timeout(2000) })).json()) as { id: string }).id, { timeout: 15_000 })
      .toBe('b1');
  });

  it('limits, command and labels reach the container; memory shows in inspect', async () => {
    const app = appName();
    const config = dockerApp(app, { memory: '64m', cpus: 0.5, labels: { team: 'edge' }, command: ['/app/server.js'] });
    const instance = await provider().start({ app, instanceId: 'm1', config });
    const info = await docker.getContainer(instance.id).inspect();
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.Config.Cmd).toEqual(['/app/server.js']);
    expect(info.Name).toBe(`/vortex-${app}-m1`);
    expect(info.Config.Labels).toMatchObject({ team: 'edge', 'vortex.managed': 'true', 'vortex.app': app, 'vortex.instance': 'm1', 'vortex.port': instance.address.split(':')[1] });
    expect(instance.labels).toMatchObject({ image: ECHO_IMAGE, team: 'edge' });
  });

  it('an exited managed container stays listed (so the reconciler can remove it), not alive, with its exit code', async () => {
    const app = appName();
    const p = provider();
    const instance = await p.start({ app, instanceId: 'x1', config: dockerApp(app) });
    await expect.poll(async () => (await fetch(`http://${instance.address}/__exit?code=3`, { method: 'POST', signal: AbortSignal.timeout(2000) })).status, { timeout: 15_000 }).toBe(200);
    await expect.poll(() => p.inspect(instance), { timeout: 10_000 }).toMatchObject({ alive: false, exitCode: 3, reason: 'exited' });
    expect((await p.list(app)).map((i) => i.id)).toEqual([instance.id]);
    await p.stop(instance, { graceMs: 1000 });
    expect(await p.list(app)).toEqual([]);
  });

  it('engine unreachable: list and start fail with VX_PROVIDER_ENGINE_UNREACHABLE; events() retries quietly and ends on abort', async () => {
    const dir = await tempDir();
    const warnings: string[] = [];
    const p = provider({
      docker: new Docker({ socketPath: join(dir, 'no-engine.sock') }),
      context: { ...context(), logger: { info: () => undefined, warn: (_f, message) => void warnings.push(message) } },
    });
    await expect(p.list()).rejects.toMatchObject({ code: 'VX_PROVIDER_ENGINE_UNREACHABLE', message: expect.stringContaining('ENOENT') as string });
    const app = appName();
    await expect(p.start({ app, instanceId: 'u1', config: dockerApp(app) })).rejects.toMatchObject({ code: 'VX_PROVIDER_ENGINE_UNREACHABLE' });

    const controller = new AbortController();
    const pump = (async () => {
      for await (const _event of p.events!(controller.signal)) void _event;
    })();
    await expect.poll(() => warnings.filter((w) => w.includes('event stream failed')).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    controller.abort();
    await pump;
  });

  it('events() reconnects after the stream drops and the engine is away, and reports a death that happened meanwhile', async () => {
    const relay = await socketRelay(await tempDir(), '/var/run/docker.sock');
    onTestFinished(() => relay.close());
    const watched = provider({ docker: new Docker({ socketPath: relay.path }) });
    const direct = provider();
    const app = appName();
    const instance = await direct.start({ app, instanceId: 'r1', config: dockerApp(app) });
    const other = await direct.start({ app, instanceId: 'r2', config: dockerApp(app) });

    const controller = new AbortController();
    onTestFinished(() => controller.abort());
    const seen: ProviderEvent[] = [];
    const pump = (async () => {
      for await (const event of watched.events!(controller.signal)) seen.push(event);
    })();
    // A death through a live stream proves the subscription is up.
    await docker.getContainer(other.id).kill();
    await expect.poll(() => seen.some((e) => e.type === 'died' && e.id === other.id), { timeout: 10_000 }).toBe(true);

    // The engine "goes away": the stream is cut and nothing answers; a container dies meanwhile.
    await relay.stop();
    await docker.getContainer(instance.id).kill();
    await relay.resume();
    await expect.poll(() => seen.filter((e) => e.type === 'died' && e.id === instance.id).length, { timeout: 15_000 }).toBe(1);
    expect(seen.filter((e) => e.id === other.id && e.type === 'died')).toHaveLength(1);
    controller.abort();
    await pump;
  });
});
