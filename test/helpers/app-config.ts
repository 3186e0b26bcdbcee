import { DEFAULTS } from '../../config/defaults.js';
import { parseConfig } from '../../config/load.js';
import type { AppConfig, VortexConfig } from '../../config/resolve.js';

/** Scaling knobs a test may override on top of the documented defaults. */
export type ScalingOverrides = Partial<AppConfig['scaling']>;

/** A resolved AppConfig with the documented defaults, a process backend, and `overrides` applied. */
export function testApp(name: string, overrides: Partial<Omit<AppConfig, 'scaling'>> & { scaling?: ScalingOverrides } = {}): AppConfig {
  const { scaling, ...rest } = overrides;
  return {
    name,
    match: { path_prefix: '/' },
    target_rps_per_replica: DEFAULTS.cluster.target_rps_per_replica,
    min_replicas: 1,
    max_replicas: 10,
    health: { ...DEFAULTS.app.health },
    drain_timeout: DEFAULTS.app.drain_timeout,
    ratelimiter: { ratelimit: DEFAULTS.ratelimiter.ratelimit, ratewindow: DEFAULTS.ratelimiter.ratewindow },
    backend: { plugin: 'process', command: ['node', 'server.js'], env: {}, stop_timeout: DEFAULTS.backend.process.stop_timeout },
    ...rest,
    scaling: { ...DEFAULTS.cluster.settings, ...scaling },
  };
}

/**
 * One app's resolved config, exactly as vortex.yaml would give it: `app` is the app block as a user
 * writes it (`{name, backend: {plugin, ...}}`), validated by the real schema with every default applied.
 */
export function appConfigOf(app: Record<string, unknown>, rest: Record<string, unknown> = {}): AppConfig {
  const config: VortexConfig = parseConfig(JSON.stringify({ ...rest, apps: [app] }), 'test app config');
  return config.apps[0]!;
}
