/**
 * The vortex.yaml schema (design.md §8). Every object is strict: an unknown key is an error, because a
 * typo (`min_replica`) silently ignored is a production incident. Durations become milliseconds and
 * sizes bytes here; app-level settings stay optional so `resolve.ts` can fill them from `cluster`.
 * Cross-field rules (min ≤ max, duplicate names, ...) live in `cross-checks.ts`.
 */
import * as z from 'zod';
import { CIDR_HINT, parseCidr } from './cidr.js';
import { DEFAULTS } from './defaults.js';
import { DURATION_HINT, parseDuration } from './duration.js';
import { HOST_PORT_HINT, parseHostPort } from './listen-address.js';
import { SIZE_HINT, parseSize } from './size.js';

export const BUILTIN_PLUGINS = ['docker', 'process', 'static'] as const;

function duration() {
  return z.string({ error: DURATION_HINT }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${DURATION_HINT} (got "${text}")` });
      return z.NEVER;
    }
    return ms;
  });
}

function size() {
  return z.union([z.number(), z.string()], { error: SIZE_HINT }).transform((input, ctx) => {
    const bytes = parseSize(input);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: `${SIZE_HINT} (got ${JSON.stringify(input)})` });
      return z.NEVER;
    }
    return bytes;
  });
}

function hostPort() {
  return z.string({ error: HOST_PORT_HINT }).refine((text) => parseHostPort(text) !== undefined, {
    error: (issue) => `${HOST_PORT_HINT} (got ${JSON.stringify(issue.input)})`,
  });
}

function cidr() {
  return z.string({ error: CIDR_HINT }).refine((text) => parseCidr(text) !== undefined, {
    error: (issue) => `${CIDR_HINT} (got ${JSON.stringify(issue.input)})`,
  });
}

const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
/** App names become store keys (`vortex:metrics:<app>:...`) and Docker labels: DNS-label characters only. */
const APP_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Most proxy worker threads (`proxy.workers`); each costs a V8 isolate (~10 MB) and its share of the shared tables. */
export const MAX_PROXY_WORKERS = 64;

const replicas = () => z.int().min(0).max(10_000);
const port = () => z.int().min(1).max(65_535);
const envMap = () => z.record(z.string().regex(ENV_NAME, 'environment variable names are letters, digits and _'), z.string());
const command = () => z.array(z.string()).min(1, 'a command needs at least the program to run');

const proxySchema = z.strictObject({
  listen: hostPort().default(DEFAULTS.proxy.listen),
  engine: z.enum(['auto', 'uws', 'node']).default(DEFAULTS.proxy.engine),
  workers: z
    .union([z.literal('auto'), z.int().min(1).max(MAX_PROXY_WORKERS)], { error: `expected auto or an integer from 1 to ${MAX_PROXY_WORKERS}` })
    .default(DEFAULTS.proxy.workers),
  trusted_proxies: z.array(cidr()).default([...DEFAULTS.proxy.trusted_proxies]),
  hold_timeout: duration().default(DEFAULTS.proxy.hold_timeout),
  shutdown_timeout: duration().default(DEFAULTS.proxy.shutdown_timeout),
  timeouts: z
    .strictObject({
      connect: duration().default(DEFAULTS.proxy.timeouts.connect),
      header: duration().default(DEFAULTS.proxy.timeouts.header),
      idle: duration().default(DEFAULTS.proxy.timeouts.idle),
      keep_alive: duration().default(DEFAULTS.proxy.timeouts.keep_alive),
    })
    .prefault({}),
  access_log: z
    .strictObject({
      enabled: z.boolean().default(DEFAULTS.proxy.access_log.enabled),
      sample_rate: z.number().gt(0).max(1).default(DEFAULTS.proxy.access_log.sample_rate),
    })
    .prefault({}),
  limits: z
    .strictObject({
      max_header_bytes: size().default(DEFAULTS.proxy.limits.max_header_bytes),
      max_body_bytes: size().default(DEFAULTS.proxy.limits.max_body_bytes),
      max_connections_per_backend: z.int().min(1).max(65_535).default(DEFAULTS.proxy.limits.max_connections_per_backend),
    })
    .prefault({}),
  websocket: z
    .strictObject({
      max_message_bytes: size()
        .refine((n) => n >= 1024 && n <= 2 ** 30, 'must be between 1KiB and 1GiB')
        .default(DEFAULTS.proxy.websocket.max_message_bytes),
      max_backpressure: size()
        .refine((n) => n >= 1024 && n <= 2 ** 30, 'must be between 1KiB and 1GiB')
        .default(DEFAULTS.proxy.websocket.max_backpressure),
      // uWS aborts the process on any other value: 0 (off) or 8 s to 960 s, in whole seconds.
      idle_timeout: duration()
        .refine((ms) => ms === 0 || (ms >= 8_000 && ms <= 960_000), 'must be 0 (off) or between 8s and 960s')
        .default(DEFAULTS.proxy.websocket.idle_timeout),
    })
    .prefault({}),
});

const adminSchema = z.strictObject({
  listen: hostPort().default(DEFAULTS.admin.listen),
  token: z.string().min(16, 'an admin token needs at least 16 characters').optional(),
});

const storeSchema = z.strictObject({
  backend: z.enum(['embedded', 'etcd']).default(DEFAULTS.store.backend),
  data_dir: z.string().min(1).default(DEFAULTS.store.data_dir),
  listen: hostPort().optional(),
  endpoints: z.array(hostPort()).min(1).optional(),
});

const telemetrySchema = z.strictObject({
  interval: duration().default(DEFAULTS.telemetry.interval),
});

/** Scaling policy and step settings: `cluster.settings` gives defaults, `apps[].scaling` overrides them. */
const scalingSettingsShape = {
  policy: z.enum(['rps', 'concurrency']),
  target_concurrency_per_replica: z.number().positive(),
  scaleupnumber: z.int().min(1),
  scaledownnumber: z.int().min(1),
  scale_up_grace_period: duration(),
  scale_down_cooldown: duration(),
  scale_to_zero_after: duration(),
};

const clusterSettingsSchema = z.strictObject({
  policy: scalingSettingsShape.policy.default(DEFAULTS.cluster.settings.policy),
  target_concurrency_per_replica: scalingSettingsShape.target_concurrency_per_replica.default(
    DEFAULTS.cluster.settings.target_concurrency_per_replica,
  ),
  scaleupnumber: scalingSettingsShape.scaleupnumber.default(DEFAULTS.cluster.settings.scaleupnumber),
  scaledownnumber: scalingSettingsShape.scaledownnumber.default(DEFAULTS.cluster.settings.scaledownnumber),
  scale_up_grace_period: scalingSettingsShape.scale_up_grace_period.default(DEFAULTS.cluster.settings.scale_up_grace_period),
  scale_down_cooldown: scalingSettingsShape.scale_down_cooldown.default(DEFAULTS.cluster.settings.scale_down_cooldown),
  scale_to_zero_after: scalingSettingsShape.scale_to_zero_after.default(DEFAULTS.cluster.settings.scale_to_zero_after),
});

const clusterSchema = z.strictObject({
  min_replicas: replicas().default(DEFAULTS.cluster.min_replicas),
  max_replicas: replicas().default(DEFAULTS.cluster.max_replicas),
  starting_port: port().default(DEFAULTS.cluster.starting_port),
  target_rps_per_replica: z.number().positive().default(DEFAULTS.cluster.target_rps_per_replica),
  settings: clusterSettingsSchema.prefault({}),
});

const rateLimitShape = {
  ratelimit: z.int().min(1),
  ratewindow: duration(),
};

const ratelimiterSchema = z.strictObject({
  ratelimit: rateLimitShape.ratelimit.default(DEFAULTS.ratelimiter.ratelimit),
  ratewindow: rateLimitShape.ratewindow.default(DEFAULTS.ratelimiter.ratewindow),
  scope: z.enum(['local', 'cluster']).default(DEFAULTS.ratelimiter.scope),
  sync_interval: duration().default(DEFAULTS.ratelimiter.sync_interval),
  max_tracked_clients: z.int().min(1).default(DEFAULTS.ratelimiter.max_tracked_clients),
  ipv6_prefix: z.int().min(1).max(128).default(DEFAULTS.ratelimiter.ipv6_prefix),
  allow: z.array(cidr()).default([]),
});

const dockerBackendSchema = z.strictObject({
  plugin: z.literal('docker'),
  image: z.string({ error: 'a docker backend needs an image, e.g. image: vortex-test/echo:latest' }).min(1),
  command: command().optional(),
  env: envMap().default({}),
  network: z.enum(['host', 'bridge']).default(DEFAULTS.backend.docker.network),
  port: port().optional(),
  memory: size().optional(),
  cpus: z.number().positive().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  pull: z.enum(['never', 'if-missing']).default(DEFAULTS.backend.docker.pull),
  stop_timeout: duration().default(DEFAULTS.backend.docker.stop_timeout),
});

const processBackendSchema = z.strictObject({
  plugin: z.literal('process'),
  command: command(),
  cwd: z.string().min(1).optional(),
  env: envMap().default({}),
  stop_timeout: duration().default(DEFAULTS.backend.process.stop_timeout),
});

const staticBackendSchema = z.strictObject({
  plugin: z.literal('static'),
  upstreams: z.array(hostPort()).min(1, 'a static backend needs at least one upstream host:port'),
});

export const BUILTIN_BACKENDS = {
  docker: dockerBackendSchema,
  process: processBackendSchema,
  static: staticBackendSchema,
} as const;

/** A path to a third-party plugin module: relative (`./`, `../`) or absolute. */
export function isPluginPath(plugin: string): boolean {
  return plugin.startsWith('./') || plugin.startsWith('../') || plugin.startsWith('/');
}

export type DockerBackend = z.output<typeof dockerBackendSchema>;
export type ProcessBackend = z.output<typeof processBackendSchema>;
export type StaticBackend = z.output<typeof staticBackendSchema>;
/** A third-party plugin: its module path and the rest of the block, which the plugin validates itself. */
export interface ModuleBackend {
  plugin: 'module';
  module: string;
  options: Record<string, unknown>;
}
export type BackendConfig = DockerBackend | ProcessBackend | StaticBackend | ModuleBackend;

const PLUGIN_HINT = `expected one of ${BUILTIN_PLUGINS.join('|')}, or a module path like ./plugins/mine.js`;

/** Dispatches on `plugin`, so each built-in's errors name its own keys and an unknown name says what is allowed. */
const backendSchema = z
  .looseObject({ plugin: z.string({ error: PLUGIN_HINT }) })
  .transform((raw, ctx): BackendConfig => {
    const builtin = BUILTIN_BACKENDS[raw.plugin as keyof typeof BUILTIN_BACKENDS];
    if (builtin === undefined) {
      if (isPluginPath(raw.plugin)) {
        const { plugin, ...options } = raw;
        return { plugin: 'module', module: plugin, options };
      }
      ctx.addIssue({ code: 'custom', path: ['plugin'], message: `${PLUGIN_HINT} (got ${JSON.stringify(raw.plugin)})` });
      return z.NEVER;
    }
    const parsed = builtin.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
      return z.NEVER;
    }
    return parsed.data;
  });

const appSchema = z.strictObject({
  name: z.string().regex(APP_NAME, 'app names are lowercase letters, digits and "-" (at most 63), like hello-api'),
  match: z
    .strictObject({
      host: z.string().regex(HOST_PATTERN, 'expected a host name like hello.localhost or *.example.com').optional(),
      path_prefix: z.string().startsWith('/', 'a path prefix starts with "/"').default(DEFAULTS.app.match.path_prefix),
    })
    .optional(),
  target_rps_per_replica: z.number().positive().optional(),
  min_replicas: replicas().optional(),
  max_replicas: replicas().optional(),
  scaling: z.strictObject(scalingSettingsShape).partial().optional(),
  health: z
    .strictObject({
      path: z.string().startsWith('/', 'a health path starts with "/"').default(DEFAULTS.app.health.path),
      interval: duration().default(DEFAULTS.app.health.interval),
      timeout: duration().default(DEFAULTS.app.health.timeout),
    })
    .prefault({}),
  drain_timeout: duration().default(DEFAULTS.app.drain_timeout),
  ratelimiter: z.strictObject(rateLimitShape).optional(),
  backend: backendSchema,
});

export const configSchema = z.strictObject({
  proxy: proxySchema.prefault({}),
  admin: adminSchema.prefault({}),
  store: storeSchema.prefault({}),
  telemetry: telemetrySchema.prefault({}),
  cluster: clusterSchema.prefault({}),
  ratelimiter: ratelimiterSchema.prefault({}),
  apps: z.array(appSchema).default([]),
});

/** vortex.yaml after schema validation: defaults applied, durations in ms, sizes in bytes. */
export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedApp = ParsedConfig['apps'][number];
