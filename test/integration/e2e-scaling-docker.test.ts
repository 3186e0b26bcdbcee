/**
 * The seed's scaling scenarios end to end with the docker plugin (e2e-scaling-cases.ts): each
 * backend is a container of the echo test image on the host network. The scalers reach the engine
 * through a socket relay (DOCKER_HOST), so the test can take the engine away from them and bring it
 * back without stopping the real engine; the test itself lists containers on the real socket, by
 * the labels Vortex sets plus this run's label.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { dockerOrSkip, removeContainers, TEST_RUN_LABEL } from '../helpers/docker.js';
import { ensureEchoImage } from '../helpers/echo-image.js';
import { socketRelay } from '../helpers/socket-relay.js';
import { scalingScenarios } from './e2e-scaling-cases.js';

const engine = await dockerOrSkip();
const RUN = `e2e-${randomBytes(4).toString('hex')}`;
const MISSING_IMAGE = 'vortex-test/does-not-exist:e2e';

describe.skipIf(!engine.available)('e2e scaling with the docker plugin', () => {
  const { docker } = engine;
  scalingScenarios(async () => {
    const { image } = await ensureEchoImage(docker);
    const relayDir = await mkdtemp(join(tmpdir(), 'vx-e2e-docker-'));
    const relay = await socketRelay(relayDir, '/var/run/docker.sock');
    const labels = { [TEST_RUN_LABEL]: RUN };
    return {
      name: 'docker',
      backend: () => ({ plugin: 'docker', image, network: 'host', labels, stop_timeout: '5s' }),
      brokenBackend: () => ({ plugin: 'docker', image: MISSING_IMAGE, network: 'host', labels }),
      brokenNeedle: MISSING_IMAGE,
      live: async (app) =>
        (await docker.listContainers({ all: true, filters: { label: [`${TEST_RUN_LABEL}=${RUN}`, `vortex.app=${app}`] } })).map((c) => c.Labels['vortex.instance'] ?? c.Id),
      kill: async (instanceId) => {
        const [found] = await docker.listContainers({ filters: { label: [`${TEST_RUN_LABEL}=${RUN}`, `vortex.instance=${instanceId}`] } });
        if (found === undefined) throw new Error(`no running container for ${instanceId}`);
        await docker.getContainer(found.Id).kill();
      },
      scalerEnv: { DOCKER_HOST: `unix://${relay.path}` },
      engine: { stop: () => relay.stop(), resume: () => relay.resume() },
      cleanup: async () => {
        await removeContainers(docker, [`${TEST_RUN_LABEL}=${RUN}`]);
        await relay.close();
        await rm(relayDir, { recursive: true, force: true });
      },
    };
  });
});
