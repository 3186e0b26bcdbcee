/**
 * The seed's scaling scenarios end to end with the process plugin (e2e-scaling-cases.ts): each
 * backend is `node test/images/echo/server.js` started by the leading `vortex scaler`. The test sees
 * the processes from outside Vortex by their environment (/proc/<pid>/environ carries this run's
 * marker and the INSTANCE_ID Vortex gave them), so an orphan with no state file is still found.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { scalingScenarios } from './e2e-scaling-cases.js';

const ECHO_SERVER = fileURLToPath(new URL('../images/echo/server.js', import.meta.url));
const RUN = randomBytes(4).toString('hex');
const MARKER = `VORTEX_E2E_RUN=${RUN}`;

/** pid → environment of every live process carrying this run's marker. */
async function markedProcesses(): Promise<Array<{ pid: number; env: Map<string, string> }>> {
  const found: Array<{ pid: number; env: Map<string, string> }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const raw = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const vars = raw.split('\0');
    if (!vars.includes(MARKER)) continue;
    found.push({ pid: Number(entry), env: new Map(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)])) });
  }
  return found;
}

describe('e2e scaling with the process plugin', () => {
  scalingScenarios(() => Promise.resolve({
    name: 'process',
    backend: () => ({ plugin: 'process', command: [process.execPath, ECHO_SERVER], env: { VORTEX_E2E_RUN: RUN } }),
    brokenBackend: () => ({ plugin: 'process', command: ['/nonexistent/vortex-e2e-backend'], env: { VORTEX_E2E_RUN: RUN } }),
    brokenNeedle: '/nonexistent/vortex-e2e-backend',
    live: async (app) =>
      (await markedProcesses()).map((p) => p.env.get('INSTANCE_ID') ?? '').filter((id) => id.startsWith(`${app}-`)),
    kill: async (instanceId) => {
      const target = (await markedProcesses()).find((p) => p.env.get('INSTANCE_ID') === instanceId);
      if (target === undefined) throw new Error(`no live process for ${instanceId}`);
      process.kill(target.pid, 'SIGKILL');
    },
    scalerEnv: {},
    cleanup: async () => {
      for (const p of await markedProcesses()) process.kill(p.pid, 'SIGKILL');
    },
  }));
});
