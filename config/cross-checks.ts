/**
 * Rules that span several keys, run once the schema passed. Each problem is reported at the key the
 * user would edit, with the conflicting value and where it came from (Knative's style:
 * "must be ≤ max_replicas (3, from cluster.max_replicas)").
 */
import { parseHostPort } from './listen-address.js';
import { formatDuration } from './duration.js';
import type { KeyPath } from './problem.js';
import { formatKeyPath } from './problem.js';
import type { ParsedConfig } from './schema.js';

type Report = (path: KeyPath, message: string) => void;

export function crossCheck(config: ParsedConfig): { path: KeyPath; message: string }[] {
  const found: { path: KeyPath; message: string }[] = [];
  const report: Report = (path, message) => found.push({ path, message });
  checkClusterBounds(config, report);
  checkApps(config, report);
  checkStore(config, report);
  checkRateLimiter(config, report);
  checkListenersApart(config, report);
  checkWorkers(config, report);
  return found;
}

function checkClusterBounds({ cluster }: ParsedConfig, report: Report): void {
  if (cluster.min_replicas > cluster.max_replicas) {
    report(['cluster', 'min_replicas'], `is ${cluster.min_replicas}, must be ≤ max_replicas (${cluster.max_replicas})`);
  }
  if (cluster.max_replicas < 1) report(['cluster', 'max_replicas'], 'is 0, must be ≥ 1 (an app needs room for one backend)');
}

function checkApps(config: ParsedConfig, report: Report): void {
  const firstByName = new Map<string, number>();
  const firstByMatch = new Map<string, number>();
  config.apps.forEach((app, index) => {
    const at = (...rest: (string | number)[]): KeyPath => ['apps', index, ...rest];

    const earlier = firstByName.get(app.name);
    if (earlier === undefined) firstByName.set(app.name, index);
    else report(at('name'), `duplicate app name "${app.name}" (also ${formatKeyPath(['apps', earlier, 'name'])})`);

    const matchKey = `${app.match?.host ?? '*'} ${app.match?.path_prefix ?? '/'}`;
    const sameMatch = firstByMatch.get(matchKey);
    if (sameMatch === undefined) firstByMatch.set(matchKey, index);
    else report(at('match'), `routes the same host and path_prefix as apps[${sameMatch}]; requests could not tell them apart`);

    const min = app.min_replicas ?? config.cluster.min_replicas;
    const max = app.max_replicas ?? config.cluster.max_replicas;
    if (app.max_replicas === 0) report(at('max_replicas'), 'is 0, must be ≥ 1 (an app needs room for one backend)');
    if (min > max && (app.min_replicas !== undefined || app.max_replicas !== undefined)) {
      if (app.max_replicas !== undefined) {
        const from = app.min_replicas === undefined ? ', from cluster.min_replicas' : '';
        report(at('max_replicas'), `is ${max}, must be ≥ min_replicas (${min}${from})`);
      } else {
        report(at('min_replicas'), `is ${min}, must be ≤ max_replicas (${max}, from cluster.max_replicas)`);
      }
    }

    if (app.health.timeout > app.health.interval) {
      report(at('health', 'timeout'), `is ${formatDuration(app.health.timeout)}, must be ≤ health.interval (${formatDuration(app.health.interval)})`);
    }

    const backend = app.backend;
    if (backend.plugin === 'docker' && backend.network === 'host' && backend.port !== undefined) {
      report(
        at('backend', 'port'),
        'applies only to network: bridge; with network: host each instance listens on the PORT it is given (from cluster.starting_port up)',
      );
    }
  });
}

function checkStore({ store }: ParsedConfig, report: Report): void {
  if (store.backend === 'etcd' && store.endpoints === undefined) {
    report(['store', 'endpoints'], 'is required when store.backend is etcd, e.g. endpoints: [127.0.0.1:2379]');
  }
  if (store.backend === 'embedded' && store.endpoints !== undefined) {
    report(['store', 'endpoints'], 'applies only to backend: etcd (the embedded store serves gRPC on store.listen)');
  }
  if (store.backend === 'etcd' && store.listen !== undefined) {
    report(['store', 'listen'], 'applies only to backend: embedded (it serves the embedded store over gRPC)');
  }
}

/** Shortest accepted `ratelimiter.sync_interval` (ms): below it the store takes a write per proxy every few ms. */
const MIN_SYNC_INTERVAL_MS = 50;

/**
 * With scope: cluster, counts are exchanged per window-long bucket; an exchange slower than half the
 * shortest window would deliver a bucket's counts after much of it is gone (see docs/proxy.md).
 */
function checkRateLimiter({ ratelimiter, apps }: ParsedConfig, report: Report): void {
  const at: KeyPath = ['ratelimiter', 'sync_interval'];
  const interval = ratelimiter.sync_interval;
  if (interval < MIN_SYNC_INTERVAL_MS) {
    report(at, `is ${formatDuration(interval)}, must be ≥ ${formatDuration(MIN_SYNC_INTERVAL_MS)}`);
    return;
  }
  if (ratelimiter.scope !== 'cluster') return;
  const windows: [string, number][] = [['ratelimiter.ratewindow', ratelimiter.ratewindow]];
  apps.forEach((app, index) => {
    if (app.ratelimiter !== undefined) windows.push([`apps[${index}].ratelimiter.ratewindow`, app.ratelimiter.ratewindow]);
  });
  const [from, shortest] = windows.reduce((a, b) => (b[1] < a[1] ? b : a));
  if (interval * 2 > shortest) {
    report(at, `is ${formatDuration(interval)}, must be ≤ half the shortest rate window with scope: cluster (${formatDuration(shortest)}, from ${from})`);
  }
}

/** Two of our own listeners on one port would fail at start with EADDRINUSE; say so now, by key. */
function checkListenersApart(config: ParsedConfig, report: Report): void {
  const listeners: [KeyPath, string | undefined][] = [
    [['proxy', 'listen'], config.proxy.listen],
    [['admin', 'listen'], config.admin.listen],
    [['store', 'listen'], config.store.listen],
  ];
  const seen: { path: KeyPath; host: string; port: number }[] = [];
  for (const [path, text] of listeners) {
    const address = text === undefined ? undefined : parseHostPort(text);
    if (address === undefined) continue;
    const clash = seen.find(
      (other) => other.port === address.port && address.port !== 0 && (other.host === address.host || isWildcard(other.host) || isWildcard(address.host)),
    );
    if (clash) report(path, `${text} uses the same port as ${formatKeyPath(clash.path)}`);
    seen.push({ path, ...address });
  }
}

/** Worker threads share one port through uWS (SO_REUSEPORT); node:http in a worker cannot do that here. */
function checkWorkers({ proxy }: ParsedConfig, report: Report): void {
  if (proxy.engine === 'node' && proxy.workers !== 1) {
    report(['proxy', 'workers'], `is ${proxy.workers}, must be 1 with proxy.engine: node (worker threads run only on the uws engine)`);
  }
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

