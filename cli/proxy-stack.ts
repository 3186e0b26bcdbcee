/**
 * The proxy with everything around it, as `vortex proxy` and `vortex up` run it on a Store they
 * opened: the proxy on `proxy.listen`, telemetry into the store, and the admin server (/metrics,
 * /healthz, /readyz and the /api/v1 apps, scale and events routes) on `admin.listen`. It prints one ready line, re-reads the config file on
 * SIGHUP (an invalid file is refused, the old config stays), and on SIGINT/SIGTERM shuts down in
 * order: the proxy drains (up to `proxy.shutdown_timeout`, /readyz says 503 meanwhile), telemetry
 * revokes its lease (this proxy's records vanish at once), the admin server closes. The caller
 * closes the store.
 */
import type { Registry } from 'prom-client';
import { parseHostPort } from '../config/listen-address.js';
import { loadConfig } from '../config/load.js';
import type { VortexConfig } from '../config/resolve.js';
import { registerAppsApi } from '../proxy/admin-api/apps-api.js';
import { registerProbes } from '../proxy/admin-probes.js';
import type { ReadinessCheck } from '../proxy/admin-probes.js';
import { startAdminServer } from '../proxy/admin-server.js';
import type { AdminServer } from '../proxy/admin-server.js';
import { registerRateLimitSyncMetrics } from '../proxy/cluster-rate-limit/sync-metrics.js';
import { createProxyMetrics } from '../proxy/metrics.js';
import { startProxy } from '../proxy/proxy-server.js';
import type { RunningProxy } from '../proxy/proxy-server.js';
import { Telemetry, defaultProxyId } from '../proxy/telemetry.js';
import type { Store } from '../store/store.js';
import type { CliIo } from './io.js';
import type { Logger } from './logger.js';

/** The process signals a long-running command reacts to. */
export interface StackSignals {
  /** Resolves with the signal's name on the first SIGINT or SIGTERM. */
  readonly stop: Promise<string>;
  /** Calls `listener` on every SIGHUP until the returned function is called. */
  onReload(listener: () => void): () => void;
}

/** What runProxyStack needs. */
export interface ProxyStackOptions {
  /** `vortex up` / `vortex proxy`: starts the ready line. */
  label: string;
  config: VortexConfig;
  /** The file SIGHUP re-reads; undefined when the config came from defaults. */
  configFile: string | undefined;
  store: Store;
  /** Extra text for the ready line, e.g. the store in use. */
  readySuffix?: string;
  /** Readiness beyond the proxy's own (e.g. the embedded store's gRPC server). */
  checks?: readonly ReadinessCheck[];
  /** Adds metrics beyond the proxy's to the /metrics registry (e.g. the control plane's). */
  metrics?: (registry: Registry) => void;
  /** Called with a reloaded config after the proxy took it (e.g. the control plane of `vortex up`). */
  onConfigReloaded?: (next: VortexConfig) => Promise<void>;
  io: CliIo;
  logger: Logger;
  signals: StackSignals;
}

/** Settings a reload cannot change in a running process (they are logged as needing a restart). */
function restartOnly(config: VortexConfig): Record<string, unknown> {
  return {
    'proxy.listen': config.proxy.listen,
    'proxy.engine': config.proxy.engine,
    'proxy.websocket': config.proxy.websocket,
    'proxy.workers': config.proxy.workers,
    'admin.listen': config.admin.listen,
    'admin.token': config.admin.token === undefined ? 'unset' : 'set',
    store: config.store,
    'telemetry.interval': config.telemetry.interval,
    'ratelimiter.scope': config.ratelimiter.scope,
    'ratelimiter.sync_interval': config.ratelimiter.sync_interval,
  };
}

function httpUrl(listen: string, port: number): string {
  const host = parseHostPort(listen)?.host ?? '127.0.0.1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Runs until a stop signal, then shuts down; resolves when everything it started is closed. */
export async function runProxyStack(options: ProxyStackOptions): Promise<void> {
  const { config, store, logger, signals } = options;
  const adminListen = parseHostPort(config.admin.listen);
  if (adminListen === undefined) throw new TypeError(`admin.listen: invalid host:port ${JSON.stringify(config.admin.listen)}`);
  const proxyId = defaultProxyId();
  const proxy = await startProxy({ config, store, logger, proxyId });
  let telemetry: Telemetry | null = null;
  let admin: AdminServer | null = null;
  try {
    telemetry = new Telemetry({ store, source: proxy.state, proxyId, intervalMs: config.telemetry.interval, logger });
    telemetry.start();
    admin = await startAdminServer({
      host: adminListen.host,
      port: adminListen.port,
      ...(config.admin.token === undefined ? {} : { token: config.admin.token }),
      logger,
    });
    const registry = createProxyMetrics(proxy.state, proxy.core.unrouted);
    if (proxy.rateLimitSync !== null) registerRateLimitSyncMetrics(registry, proxy.rateLimitSync);
    options.metrics?.(registry);
    registerProbes(admin, {
      registry,
      checks: [{ name: 'proxy', ok: () => proxy.ready() }, ...(options.checks ?? [])],
    });
    registerAppsApi(admin, { store, apps: () => proxy.state.config.apps });
    // One reload at a time, in arrival order, whether it came from SIGHUP or the admin API.
    // A reload that throws while applying (past the config check) must not block the ones after it.
    let reloading: Promise<unknown> = Promise.resolve();
    const reloadOnce = (via: string): Promise<ReloadResult> => {
      const run = reloading.then(() => reload(options, proxy, telemetry, via));
      reloading = run.catch(() => undefined);
      return run;
    };
    admin.route('POST', '/api/v1/reload', async () => {
      const result = await reloadOnce('POST /api/v1/reload');
      if (result.ok) return { status: 200, body: { reloaded: true, file: result.file, apps: result.apps, needsRestart: result.needsRestart } };
      return { status: result.error === 'no_config_file' ? 409 : 400, body: { error: result.error, message: result.message } };
    });
    const stopReload = signals.onReload(() => void reloadOnce('SIGHUP').catch((err: unknown) => logger.error({ err }, 'SIGHUP: applying the reloaded config failed')));
    options.io.out(
      `${options.label}: proxy on ${httpUrl(config.proxy.listen, proxy.port)}, admin on ${httpUrl(config.admin.listen, admin.port)}${options.readySuffix ?? ''}`,
    );
    const signal = await signals.stop;
    stopReload();
    logger.info({ signal, shutdownTimeoutMs: proxy.state.config.proxy.shutdown_timeout }, 'shutting down: draining in-flight requests');
  } finally {
    await proxy.close();
    await telemetry?.stop();
    await admin?.close();
  }
  logger.info({}, 'stopped');
}

/** What a reload did: applied (with the keys that still need a restart), or refused and why. */
export type ReloadResult =
  | { ok: true; file: string; apps: string[]; needsRestart: string[] }
  | { ok: false; error: 'no_config_file' | 'config_invalid'; message: string };

/** SIGHUP and `POST /api/v1/reload`: re-reads the config file and applies what a running proxy can change. */
async function reload(options: ProxyStackOptions, proxy: RunningProxy, telemetry: Telemetry | null, via: string): Promise<ReloadResult> {
  const { configFile, logger } = options;
  if (configFile === undefined) {
    logger.warn({}, `${via}: no config file to re-read (running on defaults)`);
    return { ok: false, error: 'no_config_file', message: 'this Vortex runs on defaults: there is no config file to re-read' };
  }
  let next: VortexConfig;
  try {
    next = await loadConfig(configFile);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.error({ file: configFile, error: message }, `${via}: config refused; the running config stays`);
    return { ok: false, error: 'config_invalid', message };
  }
  // Against the config the process started with: that is what still runs for these keys.
  const before = restartOnly(options.config);
  const after = restartOnly(next);
  const changed = Object.keys(before).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  proxy.applyConfig(next);
  telemetry?.attach();
  await options.onConfigReloaded?.(next);
  if (changed.length > 0) logger.warn({ keys: changed }, `${via}: these settings apply only after a restart`);
  const apps = next.apps.map((a) => a.name);
  logger.info({ file: configFile, apps, via }, 'config reloaded');
  return { ok: true, file: configFile, apps, needsRestart: changed };
}
