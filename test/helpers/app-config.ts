import { DEFAULTS } from '../../config/defaults.js';
import type { AppConfig } from '../../config/resolve.js';

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
