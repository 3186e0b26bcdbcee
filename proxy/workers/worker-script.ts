/**
 * Starts worker threads from modules of this code base. From the compiled build the entry is the
 * .js file itself. From TypeScript sources (tests, `tsx`), Node cannot load a .ts entry in a worker,
 * so a two-line bootstrap registers tsx's loader inside the new thread first, then imports the entry.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';
import type { WorkerInit } from './messages.js';

/** A worker thread running `entry` (a .js module, or a .ts one when running from sources). */
export function spawnModuleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** A new proxy worker thread (worker-main) for `init`. */
export function spawnProxyWorker(init: WorkerInit): Worker {
  const self = import.meta.url;
  const entry = new URL(self.endsWith('.ts') ? './worker-main.ts' : './worker-main.js', self);
  return spawnModuleWorker(entry, { workerData: init, name: `vortex-proxy-${init.thread}` });
}
