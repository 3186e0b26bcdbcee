/**
 * Starts the proxy: state from the config, the engine `proxy.engine` picks, the listener on
 * `proxy.listen`, and (with a store) the watch on router lists and, with `ratelimiter.scope: cluster`,
 * the exchange of rate-limit counts with the other proxies. Graceful close stops accepting,
 * lets in-flight requests finish up to `proxy.shutdown_timeout`, then cuts what is left. With
 * `proxy.workers` above 1 (uws engine) worker threads serve the port instead (proxy/workers/); the
 * store side (router watch, count exchange) stays in this thread.
 */
import { availableParallelism } from 'node:os';
import type { VortexConfig } from '../config/resolve.js';
import { parseHostPort } from '../config/listen-address.js';
import type { Store } from '../store/store.js';
import { AccessLog } from './access-log.js';
import { RateLimitSync } from './cluster-rate-limit/rate-limit-sync.js';
import { sharedLimiters } from './cluster-rate-limit/scopes.js';
import { chooseEngine } from './engine.js';
import { ForwardCore } from './forward/forward-core.js';
import type { Ingress } from './ingress/ingress.js';
import { UwsIngress } from './ingress/uws-ingress.js';
import { ProxyState } from './proxy-state.js';
import { RouterWatch } from './router-watch.js';
import { defaultProxyId } from './telemetry.js';
import { GOING_AWAY } from './websocket/close-codes.js';
import { UwsWebSockets } from './websocket/uws-websocket.js';
import { WEBSOCKET_CLOSE_GRACE_MS, WebSocketHub } from './websocket/websocket-hub.js';
import { webSocketOptions } from './websocket/websocket-session.js';
import { WorkerFleet } from './workers/worker-fleet.js';

/** Where the proxy logs; a pino logger fits. */
export interface ProxyLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What startProxy needs. */
export interface StartProxyOptions {
  config: VortexConfig;
  /** Source of `router:<app>` lists; without it only static apps have backends. */
  store?: Store;
  logger?: ProxyLogger;
  /** This proxy's id in store keys (default defaultProxyId()); two proxies in one process need two ids. */
  proxyId?: string;
}

/** A running proxy. */
export interface RunningProxy {
  /** The bound port (proxy.listen's, or the one picked for port 0). */
  readonly port: number;
  /** Which engine runs and why. */
  readonly engine: { name: 'uws' | 'node'; reason: string };
  /** The proxy's state; with worker threads, the main thread's copy that telemetry and /metrics read. */
  readonly state: ProxyState;
  readonly core: ForwardCore;
  /**
   * The open proxied WebSockets (each also counts as in-flight on its app and backend). With worker
   * threads each worker keeps its own and this one stays empty.
   */
  readonly websockets: WebSocketHub;
  /** The worker threads serving the port; null when the main thread serves it (`proxy.workers: 1`). */
  readonly workers: WorkerFleet | null;
  /** Applies a reloaded config (SIGHUP), in every thread. */
  applyConfig(config: VortexConfig): void;
  /** The rate-limit count exchange; null unless `ratelimiter.scope: cluster` with a store. */
  readonly rateLimitSync: RateLimitSync | null;
  /** Listening and not closing, and (with a store) the router watch is live: for /readyz. */
  ready(): boolean;
  /** Graceful: stop accepting, wait for in-flight requests up to shutdown_timeout, close WebSockets with 1001, then close everything. */
  close(): Promise<void>;
  /** Closes every connection, client and upstream, now. */
  destroy(): Promise<void>;
}

const SILENT: ProxyLogger = { info: () => {}, warn: () => {} };
/** How often a graceful close checks whether in-flight requests are done (ms). */
const DRAIN_POLL_MS = 20;

/** Starts the proxy and resolves once it listens. */
export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const { config, store } = options;
  const logger = options.logger ?? SILENT;
  const listen = parseHostPort(config.proxy.listen);
  if (listen === undefined) throw new TypeError(`proxy.listen: invalid host:port ${JSON.stringify(config.proxy.listen)}`);
  const choice = chooseEngine(config.proxy.engine);
  const threads = workerThreads(config.proxy.workers);
  if (threads > 1 && choice.engine === 'uws') return startFleet(options, threads, listen, choice.reason, logger);
  if (threads > 1) logger.warn({ workers: threads, reason: choice.reason }, 'proxy.workers needs the uws engine; serving from the main thread alone');
  const state = new ProxyState(config);
  const accessLog = config.proxy.access_log.enabled ? new AccessLog(logger, config.proxy.access_log.sample_rate) : null;
  const core = new ForwardCore(state, accessLog);
  const websockets = new WebSocketHub();
  const wsContext = { core, hub: websockets, options: webSocketOptions(config, state) };
  let ingress: Ingress;
  if (choice.engine === 'uws') {
    ingress = new UwsIngress(choice.uws, core, new UwsWebSockets(core, wsContext));
  } else {
    // Imported on use: http-proxy-3 (WebSocket upgrades on node:http) is only needed by this engine.
    const [{ NodeIngress }, { NodeWebSockets }] = await Promise.all([import('./ingress/node-ingress.js'), import('./websocket/node-websocket.js')]);
    ingress = new NodeIngress(core, config.proxy.limits.max_header_bytes, config.proxy.timeouts.idle, new NodeWebSockets(core, wsContext));
  }
  const watch = store === undefined ? null : new RouterWatch(store, state, logger);
  await watch?.start();
  const rateLimitSync = rateLimitSyncFor(options, state, logger);
  let port: number;
  try {
    port = await ingress.listen(listen.host, listen.port);
  } catch (err) {
    await watch?.stop();
    await state.destroy();
    throw err;
  }
  rateLimitSync?.start();
  logger.info({ engine: choice.engine, reason: choice.reason, port }, `proxy listening on ${listen.host}:${port} (${choice.engine})`);

  let closing: Promise<void> | null = null;
  const destroy = async (): Promise<void> => {
    core.closing = true;
    websockets.terminateAll(GOING_AWAY, 'going away');
    ingress.close();
    await Promise.all([watch?.stop(), rateLimitSync?.stop()]);
    state.retireAll();
    await state.destroy();
  };
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      core.closing = true;
      ingress.stopAccepting();
      const deadline = performance.now() + config.proxy.shutdown_timeout;
      while (state.inFlight() > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
      await websockets.closeAll(GOING_AWAY, 'going away', WEBSOCKET_CLOSE_GRACE_MS);
      await destroy();
    })());
  const ready = (): boolean => !core.closing && (watch === null || watch.live);
  const applyConfig = (next: VortexConfig): void => state.applyConfig(next);
  return { port, engine: { name: choice.engine, reason: choice.reason }, state, core, websockets, workers: null, applyConfig, rateLimitSync, ready, close, destroy };
}

/**
 * The count exchange of `ratelimiter.scope: cluster` over `state`'s limiters (with worker threads, the
 * main thread's limiters share their tables with the workers'). The scope is read once: changing it
 * needs a restart (the limiters' tables differ).
 */
function rateLimitSyncFor(options: StartProxyOptions, state: ProxyState, logger: ProxyLogger): RateLimitSync | null {
  const { config, store } = options;
  if (store === undefined || config.ratelimiter.scope !== 'cluster') return null;
  return new RateLimitSync({
    store,
    limiters: () => sharedLimiters(state),
    proxyId: options.proxyId ?? defaultProxyId(),
    intervalMs: config.ratelimiter.sync_interval,
    logger,
  });
}

/** `proxy.workers` as a thread count: `auto` is the cores this process may use. */
export function workerThreads(workers: number | 'auto'): number {
  return workers === 'auto' ? availableParallelism() : workers;
}

/** The proxy served by `threads` worker threads; this thread keeps the router watch. */
async function startFleet(
  options: StartProxyOptions,
  threads: number,
  listen: { host: string; port: number },
  reason: string,
  logger: ProxyLogger,
): Promise<RunningProxy> {
  const { config, store } = options;
  const fleet = await WorkerFleet.start({ config, threads, host: listen.host, port: listen.port, logger });
  const watch = store === undefined ? null : new RouterWatch(store, fleet, logger);
  try {
    await watch?.start();
  } catch (err) {
    await fleet.destroy();
    throw err;
  }
  const rateLimitSync = rateLimitSyncFor(options, fleet.state, logger);
  rateLimitSync?.start();
  logger.info({ engine: 'uws', reason, port: fleet.port, workers: threads }, `proxy listening on ${listen.host}:${fleet.port} (uws, ${threads} worker threads)`);
  let closing: Promise<void> | null = null;
  let destroying: Promise<void> | null = null;
  // The watch runs on while the workers drain: a router change still reaches their retries.
  const destroy = (): Promise<void> =>
    (destroying ??= (async () => {
      await fleet.destroy();
      await Promise.all([watch?.stop(), rateLimitSync?.stop()]);
    })());
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await fleet.close(fleet.state.config.proxy.shutdown_timeout);
      await Promise.all([watch?.stop(), rateLimitSync?.stop()]);
    })());
  return {
    port: fleet.port,
    engine: { name: 'uws', reason },
    state: fleet.state,
    core: fleet.core,
    websockets: new WebSocketHub(),
    workers: fleet,
    applyConfig: (next) => fleet.applyConfig(next),
    rateLimitSync,
    ready: () => fleet.ready() && (watch === null || watch.live),
    close,
    destroy,
  };
}
