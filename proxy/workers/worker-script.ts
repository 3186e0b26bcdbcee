/**
 * Starts a worker thread running worker-main. From the compiled build that is worker-main.js beside
 * this file. From TypeScript sources (tests, `tsx`), Node cannot load a .ts entry in a worker, so a
 * two-line bootstrap registers tsx's loader inside the new thread first, then imports worker-main.ts.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './messages.js';

/** A new worker thread for `init`. */
export function spawnProxyWorker(init: WorkerInit): Worker {
  const self = import.meta.url;
  const options = { workerData: init, name: `vortex-proxy-${init.thread}` };
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker-main.js', self), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker-main.ts', self).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
