/**
 * A proxy worker thread: its own ProxyState (over the shared memory the main thread made), its own
 * forwarding core and upstream pools, and its own uWS App listening on the fleet's port (uWS sets
 * SO_REUSEPORT on a non-zero port, so the kernel spreads new connections over the threads). It
 * applies the config and router snapshots the main thread posts, whole and in order.
 *
 * uWS trap: a thread that ends while its listen socket is open aborts the whole process
 * (uv_loop_close with open handles) — by terminate() or by an uncaught error alike. So this thread
 * is never terminated from outside, and on an uncaught error it closes its App first, then exits
 * with code 1 (the main thread restarts it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AccessLog } from '../access-log.js';
import type { AppState } from '../app-state.js';
import { loadUws } from '../engine.js';
import { ForwardCore } from '../forward/forward-core.js';
import { UwsIngress } from '../ingress/uws-ingress.js';
import { ProxyState } from '../proxy-state.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { GOING_AWAY } from '../websocket/close-codes.js';
import { UwsWebSockets } from '../websocket/uws-websocket.js';
import { WEBSOCKET_CLOSE_GRACE_MS, WebSocketHub } from '../websocket/websocket-hub.js';
import { webSocketOptions } from '../websocket/websocket-session.js';
import { ThreadMemory } from './thread-memory.js';

/** How often a graceful close checks whether in-flight requests are done (ms). */
const DRAIN_POLL_MS = 20;

const port = parentPort;
if (port === null) throw new Error('proxy/workers/worker-main.ts runs only as a worker thread');
const init = workerData as WorkerInit;

function post(message: FromWorker): void {
  port!.postMessage(message);
}

/** Logs through the main thread's logger; fields that cannot be cloned are sent as text. */
function log(level: 'info' | 'warn', fields: Record<string, unknown>, message: string): void {
  try {
    post({ type: 'log', level, fields: { ...fields, thread: init.thread }, message });
  } catch {
    post({ type: 'log', level, fields: { thread: init.thread, detail: String(JSON.stringify(fields)) }, message });
  }
}
const logger = { info: (f: Record<string, unknown>, m: string) => log('info', f, m), warn: (f: Record<string, unknown>, m: string) => log('warn', f, m) };

const memory = new ThreadMemory(init.layout, init.thread);
memory.apply(init.slots);
const state = new ProxyState(init.config, memory);
for (const [app, addresses] of init.routers) state.setRouter(app, addresses);

const onDemand = (app: AppState): void => post({ type: 'demand', app: app.name });
function hookDemand(): void {
  for (const app of state.apps.values()) app.onDemand = onDemand;
}
hookDemand();

const loaded = loadUws();
if (!('uws' in loaded)) throw new Error(`a proxy worker needs the uws engine: ${loaded.reason}`);
const accessLog = init.config.proxy.access_log.enabled ? new AccessLog(logger, init.config.proxy.access_log.sample_rate) : null;
// Epoch-based milliseconds: every thread's limiter must read one clock (performance.now() starts per thread).
const core = new ForwardCore(state, accessLog, () => performance.timeOrigin + performance.now());
const websockets = new WebSocketHub();
const ingress = new UwsIngress(loaded.uws, core, new UwsWebSockets(core, { core, hub: websockets, options: webSocketOptions(init.config, state) }), true);

let closing = false;

process.on('uncaughtException', (err) => {
  post({ type: 'fatal', message: err.message, stack: err.stack });
  ingress.close();
  process.exit(1);
});

async function close(timeoutMs: number): Promise<void> {
  if (closing) return;
  closing = true;
  core.closing = true;
  ingress.stopAccepting();
  const deadline = performance.now() + timeoutMs;
  while (state.inFlight() > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
  await websockets.closeAll(GOING_AWAY, 'going away', WEBSOCKET_CLOSE_GRACE_MS);
  await destroy();
}

let destroyed: Promise<void> | null = null;
function destroy(): Promise<void> {
  return (destroyed ??= (async () => {
    closing = true;
    core.closing = true;
    websockets.terminateAll(GOING_AWAY, 'going away');
    ingress.close();
    state.retireAll();
    await state.destroy();
    // Nothing of ours is left open: the thread ends by itself once the port closes.
    port!.close();
  })());
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'config':
      memory.apply(message.slots);
      state.applyConfig(message.config);
      hookDemand();
      post({ type: 'applied', version: message.version });
      break;
    case 'router':
      memory.apply(message.slots);
      state.setRouter(message.app, message.addresses);
      post({ type: 'applied', version: message.version });
      break;
    case 'close':
      void close(message.timeoutMs);
      break;
    case 'destroy':
      void destroy();
      break;
  }
});

try {
  const bound = await ingress.listen(init.host, init.port);
  post({ type: 'listening', port: bound });
} catch (err) {
  post({ type: 'listen-failed', message: (err as Error).message });
  await destroy();
}
