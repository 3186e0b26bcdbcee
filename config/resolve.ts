/**
 * Fills each app's optional settings from `cluster`, so the rest of Vortex reads
 * one complete, frozen object per app and never re-implements the inheritance rules.
 */
import type { BackendConfig, ParsedApp, ParsedConfig } from './schema.js';

export interface AppConfig {
  name: string;
  match: { host?: string; path_prefix: string };
  target_rps_per_replica: number;
  min_replicas: number;
  max_replicas: number;
  scaling: ParsedConfig['cluster']['settings'];
  health: ParsedApp['health'];
  drain_timeout: number;
  /** The app's own limit, checked after the global one; undefined when the app sets none. */
  ratelimiter?: { ratelimit: number; ratewindow: number };
  backend: BackendConfig;
}

export type VortexConfig = Omit<ParsedConfig, 'apps'> & {
  apps: AppConfig[];
  /** The file this came from, as the user named it; errors and summaries quote it. */
  source: string;
};

export function resolveApp(app: ParsedApp, config: ParsedConfig): AppConfig {
  return {
    name: app.name,
    match: { path_prefix: '/', ...app.match },
    target_rps_per_replica: app.target_rps_per_replica ?? config.cluster.target_rps_per_replica,
    min_replicas: app.min_replicas ?? config.cluster.min_replicas,
    max_replicas: app.max_replicas ?? config.cluster.max_replicas,
    scaling: { ...config.cluster.settings, ...app.scaling },
    health: app.health,
    drain_timeout: app.drain_timeout,
    ...(app.ratelimiter === undefined ? {} : { ratelimiter: app.ratelimiter }),
    backend: app.backend,
  };
}

export function resolveConfig(parsed: ParsedConfig, source: string): VortexConfig {
  return deepFreeze({ ...parsed, apps: parsed.apps.map((app) => resolveApp(app, parsed)), source });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
