import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { dockerOrSkip } from '../helpers/docker.js';
import { ensureEchoImage } from '../helpers/echo-image.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';

// The loop every Docker-backed test relies on: build the echo image locally, run it on the host
// network, talk to it on 127.0.0.1, and make it fail on purpose.

const engine = await dockerOrSkip();

interface Echo {
  container: Docker.Container;
  base: string;
  instanceId: string;
}

/** One HTTP exchange, bounded so a wedged container cannot stall `eventually` past its deadline. */
async function request(url: string, method = 'GET'): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method, signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: await res.json() };
}

describe.skipIf(!engine.available)('Docker smoke: the echo image on the host network', () => {
  const { docker } = engine;
  let image = '';

  beforeAll(async () => {
    ({ image } = await ensureEchoImage(docker));
  });

  /** Runs one echo container on a free port; it is force-removed when the test ends, pass or fail. */
  async function startEcho(): Promise<Echo> {
    const port = await freePort();
    const instanceId = `vx-smoke-${randomUUID()}`;
    const container = await docker.createContainer({
      name: instanceId,
      Image: image,
      Env: [`PORT=${port}`, `INSTANCE_ID=${instanceId}`],
      Labels: { 'vortex.test': 'smoke' },
      HostConfig: { NetworkMode: 'host' },
    });
    onTestFinished(async () => {
      await container.remove({ force: true });
    });
    await container.start();
    const base = `http://127.0.0.1:${port}`;
    await eventually(async () => expect((await request(`${base}/`)).status).toBe(200), {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    return { container, base, instanceId };
  }

  it('answers with its instance id, reports health, and fails health on request', async () => {
    const { base, instanceId } = await startEcho();

    expect(await request(`${base}/`)).toMatchObject({
      status: 200,
      body: { id: instanceId, path: '/', method: 'GET', bodyBytes: 0 },
    });
    expect(await request(`${base}/some/path?q=1`, 'PUT')).toMatchObject({
      status: 200,
      body: { id: instanceId, path: '/some/path?q=1', method: 'PUT' },
    });
    expect(await request(`${base}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });

    expect((await request(`${base}/__health/fail`, 'POST')).status).toBe(200);
    expect(await request(`${base}/healthz`)).toEqual({ status: 503, body: { status: 'failing' } });

    expect((await request(`${base}/__health/ok`, 'POST')).status).toBe(200);
    expect((await request(`${base}/healthz`)).status).toBe(200);
  });

  it('POST /__exit?code=3 makes the container exit with code 3', async () => {
    const { container, base } = await startEcho();

    expect(await request(`${base}/__exit?code=3`, 'POST')).toMatchObject({ status: 200, body: { exiting: 3 } });

    const state = await eventually(
      async () => {
        const { State } = await container.inspect();
        expect(State.Running).toBe(false);
        return State;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(state.ExitCode).toBe(3);
  });

  it('docker stop is graceful: SIGTERM reaches the server (PID 1) and it exits 0', async () => {
    const { container } = await startEcho();

    await container.stop({ t: 10 });

    const { State } = await container.inspect();
    expect(State).toMatchObject({ Running: false, ExitCode: 0 });
  });
});
