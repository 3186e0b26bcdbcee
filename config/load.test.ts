import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './defaults.js';
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfig } from './load.js';
import { parseSize } from './size.js';

const fixture = (name: string) => new URL(`../test/fixtures/config/${name}`, import.meta.url).pathname;

function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, 'vortex.yaml', { env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected the config to be refused');
}

const processBackend = 'backend: { plugin: process, command: [node, server.js] }';

describe('loadConfig: files that must load', () => {
  it('loads the shipped root vortex.yaml', async () => {
    const config = await loadConfig(new URL('../vortex.yaml', import.meta.url).pathname);
    expect(config.apps.map((app) => app.name)).toEqual(['hello']);
    expect(config.apps[0]!.backend.plugin).toBe('process');
  });

  it('loads the shipped Docker example', async () => {
    const config = await loadConfig(new URL('../examples/docker/vortex.yaml', import.meta.url).pathname);
    expect(config.apps[0]!.backend).toMatchObject({ plugin: 'docker', image: 'vortex-test/echo:latest', network: 'host' });
  });

  it('loads the shipped static example', async () => {
    const config = await loadConfig(new URL('../examples/static/vortex.yaml', import.meta.url).pathname);
    expect(config.apps[0]!.backend).toEqual({ plugin: 'static', upstreams: ['127.0.0.1:3001', '127.0.0.1:3002'] });
  });

  it("loads the seed's block as written, keeping its values", async () => {
    const config = await loadConfig(fixture('valid/seed.yaml'));
    expect(config.cluster).toMatchObject({
      min_replicas: 2,
      max_replicas: 50,
      starting_port: 3000,
      settings: { scaleupnumber: 5, scaledownnumber: 1, scale_up_grace_period: 1_000, scale_down_cooldown: 5_000 },
    });
    expect(config.ratelimiter).toMatchObject({ ratelimit: 500_000_000, ratewindow: 15_000 });
    expect(config.apps).toEqual([]);
  });

  it('loads design.md §8 with every section and resolves each app', async () => {
    const config = await loadConfig(fixture('valid/design-example.yaml'));
    const [hello, api, legacy, custom] = config.apps;
    expect(hello).toMatchObject({
      match: { host: 'hello.localhost', path_prefix: '/' },
      min_replicas: 1,
      max_replicas: 5,
      scaling: { policy: 'concurrency', target_concurrency_per_replica: 20, scale_to_zero_after: 600_000, scaleupnumber: 5 },
      health: { path: '/healthz', interval: 5_000, timeout: 1_000 },
      ratelimiter: { ratelimit: 100, ratewindow: 10_000 },
      backend: { plugin: 'docker', memory: 268_435_456, cpus: 0.5, env: { GREETING: 'hi' }, pull: 'never' },
    });
    expect(api).toMatchObject({ min_replicas: 2, max_replicas: 50, match: { host: '*.api.localhost', path_prefix: '/' } });
    expect(api!.ratelimiter).toBeUndefined();
    expect(legacy!.backend).toEqual({ plugin: 'static', upstreams: ['127.0.0.1:9001', '127.0.0.1:9002'] });
    expect(custom!.backend).toEqual({ plugin: 'module', module: './plugins/mine.js', options: { region: 'local' } });
    expect(config.admin.token).toBe('a-long-enough-test-token');
  });

  it('applies the documented defaults to an empty file', () => {
    const config = parseConfig('', 'empty.yaml', { env: {} });
    expect(config.proxy).toMatchObject({
      listen: DEFAULTS.proxy.listen,
      engine: 'auto',
      hold_timeout: 30_000,
      timeouts: DEFAULTS.proxy.timeouts,
      limits: DEFAULTS.proxy.limits,
    });
    expect(config.admin).toEqual({ listen: '127.0.0.1:8001' });
    expect(config.store).toEqual({ backend: 'embedded', data_dir: './data' });
    expect(config.telemetry).toEqual({ interval: 1_000 });
    expect(config.cluster).toEqual({ ...DEFAULTS.cluster, settings: { ...DEFAULTS.cluster.settings } });
  });

  it('fills app settings from cluster and app defaults', () => {
    const config = parseConfig(`cluster: { min_replicas: 0, max_replicas: 7 }\napps:\n  - name: a\n    ${processBackend}\n`, 'v.yaml', { env: {} });
    expect(config.apps[0]).toMatchObject({
      min_replicas: 0,
      max_replicas: 7,
      target_rps_per_replica: 100,
      match: { path_prefix: '/' },
      health: DEFAULTS.app.health,
      drain_timeout: 30_000,
      scaling: { policy: 'rps', scale_to_zero_after: 300_000 },
      backend: { plugin: 'process', command: ['node', 'server.js'], env: {}, stop_timeout: 10_000 },
    });
  });

  it('returns a frozen config', () => {
    const config = parseConfig(`apps:\n  - name: a\n    ${processBackend}\n`, 'v.yaml', { env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.apps[0]!.backend)).toBe(true);
  });

  it('expands ${VAR} and re-types unquoted values', () => {
    const text = 'proxy: { listen: "127.0.0.1:${PORT}" }\ncluster:\n  max_replicas: ${MAX}\n  starting_port: "${START:-4000}"\n';
    expect(() => parseConfig(text, 'v.yaml', { env: { PORT: '9000', MAX: '8' } })).toThrow(/starting_port: expected number \(got "4000"\)/);
    const config = parseConfig(text.replace('"${START:-4000}"', '${START:-4000}'), 'v.yaml', { env: { PORT: '9000', MAX: '8' } });
    expect(config.proxy.listen).toBe('127.0.0.1:9000');
    expect(config.cluster.max_replicas).toBe(8);
    expect(config.cluster.starting_port).toBe(4000);
  });
});

describe('loadConfig: the ten kinds of broken file, each naming the key', () => {
  it.each([
    ['bad-yaml.yaml', 'invalid YAML: All mapping items must start at the same column (line 3, column 1)'],
    ['wrong-type.yaml', 'cluster.starting_port: expected number (got "three-thousand") (line 2, column 18)'],
    ['unknown-key.yaml', 'cluster.min_replica: unknown key (did you mean "min_replicas"?) (line 2, column 3)'],
    ['negative-replicas.yaml', 'apps[0].min_replicas: must be ≥ 0 (got -1) (line 3, column 19)'],
    ['min-over-max.yaml', 'apps[0].max_replicas: is 3, must be ≥ min_replicas (5) (line 4, column 19)'],
    ['bad-duration.yaml', 'cluster.settings.scale_down_cooldown: expected a duration like 500ms, 1s, 2m or 1h30m (got "5 seconds") (line 3, column 26)'],
    ['unknown-plugin.yaml', 'apps[0].backend.plugin: expected one of docker|process|static, or a module path like ./plugins/mine.js (got "kubernetes") (line 3, column 24)'],
    ['docker-without-image.yaml', 'apps[0].backend.image: a docker backend needs an image, e.g. image: vortex-test/echo:latest (line 3, column 14)'],
    ['duplicate-app-names.yaml', 'apps[1].name: duplicate app name "hello" (also apps[0].name) (line 5, column 11)'],
    ['bad-listen-address.yaml', 'proxy.listen: expected host:port, e.g. 127.0.0.1:8000, 0.0.0.0:8000 or [::1]:8000 (got "0.0.0.0:99999") (line 2, column 11)'],
  ])('%s', async (name, expected) => {
    const file = fixture(`broken/${name}`);
    const error = await loadConfig(file).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`${file}: ${expected}`);
  });
});

describe('loadConfig: more problems', () => {
  it('lists every schema problem at once, in file order', () => {
    const lines = problemsOf('cluster:\n  max_replicas: -1\n  min_replica: 1\nproxy:\n  engine: turbo\n');
    expect(lines).toEqual([
      'vortex.yaml: cluster.max_replicas: must be ≥ 0 (got -1) (line 2, column 17)',
      'vortex.yaml: cluster.min_replica: unknown key (did you mean "min_replicas"?) (line 3, column 3)',
      'vortex.yaml: proxy.engine: expected one of auto|uws|node (got "turbo") (line 5, column 11)',
    ]);
  });

  it('names an unset environment variable and where it is used', () => {
    expect(problemsOf('admin:\n  token: ${VORTEX_ADMIN_TOKEN}\n')).toEqual([
      'vortex.yaml: admin.token: environment variable VORTEX_ADMIN_TOKEN is not set (use ${VORTEX_ADMIN_TOKEN:-default} for a fallback) (line 2, column 10)',
    ]);
  });

  it('reports a missing section key against its parent', () => {
    expect(problemsOf('apps:\n  - name: a\n')).toEqual(['vortex.yaml: apps[0].backend: is required (expected object) (line 2, column 5)']);
  });

  it('suggests plugin-specific keys for a backend typo', () => {
    expect(problemsOf('apps:\n  - name: a\n    backend: { plugin: docker, image: x, netwrk: host }\n')).toEqual([
      'vortex.yaml: apps[0].backend.netwrk: unknown key (did you mean "network"?) (line 3, column 42)',
    ]);
  });

  it('refuses duplicate YAML keys', () => {
    expect(problemsOf('proxy:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n')[0]).toMatch(/^vortex\.yaml: invalid YAML: Map keys must be unique \(line 3, column 3\)$/);
  });

  it.each([
    ['cluster: { min_replicas: 9, max_replicas: 3 }', 'cluster.min_replicas: is 9, must be ≤ max_replicas (3)'],
    ['cluster: { max_replicas: 0, min_replicas: 0 }', 'cluster.max_replicas: is 0, must be ≥ 1 (an app needs room for one backend)'],
    [`cluster: { min_replicas: 4 }\napps:\n  - name: a\n    max_replicas: 3\n    ${processBackend}`, 'apps[0].max_replicas: is 3, must be ≥ min_replicas (4, from cluster.min_replicas)'],
    [`cluster: { max_replicas: 3 }\napps:\n  - name: a\n    min_replicas: 4\n    ${processBackend}`, 'apps[0].min_replicas: is 4, must be ≤ max_replicas (3, from cluster.max_replicas)'],
    [`apps:\n  - name: a\n    health: { interval: 1s, timeout: 2s }\n    ${processBackend}`, 'apps[0].health.timeout: is 2s, must be ≤ health.interval (1s)'],
    [`apps:\n  - name: a\n    backend: { plugin: docker, image: x, port: 8080 }`, 'apps[0].backend.port: applies only to network: bridge'],
    [`apps:\n  - name: a\n    ${processBackend}\n  - name: b\n    ${processBackend}`, 'apps[1].match: routes the same host and path_prefix as apps[0]'],
    ['store: { backend: etcd }', 'store.endpoints: is required when store.backend is etcd'],
    ['store: { endpoints: [127.0.0.1:2379] }', 'store.endpoints: applies only to backend: etcd'],
    ['admin: { listen: 127.0.0.1:8000 }', 'admin.listen: 127.0.0.1:8000 uses the same port as proxy.listen'],
    ['apps:\n  - name: Hello_App\n    backend: { plugin: static, upstreams: [127.0.0.1:1] }', 'apps[0].name: app names are lowercase letters'],
    ['apps:\n  - name: a\n    match: { path_prefix: api }\n    backend: { plugin: static, upstreams: [127.0.0.1:1] }', 'apps[0].match.path_prefix: a path prefix starts with "/"'],
    ['apps:\n  - name: a\n    backend: { plugin: static, upstreams: [] }', 'apps[0].backend.upstreams: a static backend needs at least one upstream'],
    ['apps:\n  - name: a\n    backend: { plugin: process, command: [] }', 'apps[0].backend.command: a command needs at least the program to run'],
    ['proxy: { trusted_proxies: [10.0.0.0/33] }', 'proxy.trusted_proxies[0]: expected an IP address or CIDR block'],
    ['proxy: { limits: { max_body_bytes: 10 parsecs } }', 'proxy.limits.max_body_bytes: expected a size like'],
    ['proxy: { websocket: { idle_timeout: 4s } }', 'proxy.websocket.idle_timeout: must be 0 (off) or between 8s and 960s'],
    ['ratelimiter: { sync_interval: 10ms }', 'ratelimiter.sync_interval: is 10ms, must be ≥ 50ms'],
    [
      `ratelimiter: { scope: cluster, ratewindow: 10s, sync_interval: 1s }\napps:\n  - name: a\n    ratelimiter: { ratelimit: 5, ratewindow: 1s }\n    ${processBackend}`,
      'ratelimiter.sync_interval: is 1s, must be ≤ half the shortest rate window with scope: cluster (1s, from apps[0].ratelimiter.ratewindow)',
    ],
    ['admin: { token: short }', 'admin.token: an admin token needs at least 16 characters'],
    ['proxy: { workers: 0 }', 'proxy.workers: must be ≥ 1 (got 0)'],
    ['proxy: { workers: many }', 'proxy.workers: expected auto or an integer from 1 to 64'],
    ['proxy: { engine: node, workers: 2 }', 'proxy.workers: is 2, must be 1 with proxy.engine: node'],
    ['apps: {}', 'apps: expected array'],
    ['- just\n- a list', ': expected object'],
  ])('%s', (text, expected) => {
    expect(problemsOf(text).join('\n')).toContain(expected);
  });
});

describe('docs/configuration.md', () => {
  it('documents every default with the value the loader applies', () => {
    const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    const config = parseConfig('apps:\n  - name: a\n    backend: { plugin: docker, image: x }\n', 'v.yaml', { env: {} });
    const rows = new Map([...doc.matchAll(/^\| `([a-z_.[\]]+)` \| `([^`]*)` \|/gm)].map((match) => [match[1]!, match[2]!]));
    const expected: Record<string, unknown> = {
      'proxy.listen': config.proxy.listen,
      'proxy.workers': config.proxy.workers,
      'proxy.hold_timeout': config.proxy.hold_timeout,
      'proxy.access_log.sample_rate': config.proxy.access_log.sample_rate,
      'proxy.timeouts.header': config.proxy.timeouts.header,
      'proxy.limits.max_body_bytes': config.proxy.limits.max_body_bytes,
      'proxy.websocket.max_message_bytes': config.proxy.websocket.max_message_bytes,
      'proxy.websocket.idle_timeout': config.proxy.websocket.idle_timeout,
      'admin.listen': config.admin.listen,
      'store.data_dir': config.store.data_dir,
      'telemetry.interval': config.telemetry.interval,
      'cluster.min_replicas': config.cluster.min_replicas,
      'cluster.max_replicas': config.cluster.max_replicas,
      'cluster.starting_port': config.cluster.starting_port,
      'cluster.settings.scale_down_cooldown': config.cluster.settings.scale_down_cooldown,
      'cluster.settings.scale_to_zero_after': config.cluster.settings.scale_to_zero_after,
      'ratelimiter.ratewindow': config.ratelimiter.ratewindow,
      'ratelimiter.sync_interval': config.ratelimiter.sync_interval,
      'apps[].health.interval': config.apps[0]!.health.interval,
      'apps[].drain_timeout': config.apps[0]!.drain_timeout,
      'apps[].backend.stop_timeout': (config.apps[0]!.backend as { stop_timeout: number }).stop_timeout,
    };
    for (const [key, value] of Object.entries(expected)) {
      const documented = rows.get(key);
      expect(documented, `docs/configuration.md has no row for ${key}`).toBeDefined();
      if (typeof value === 'number') expect(/^\d+(\.\d+)?$/.test(documented!) ? Number(documented) : parseConfigValue(documented!), key).toBe(value);
      else expect(documented, key).toBe(value);
    }
  });
});

/** A documented duration or size (`30s`, `100MiB`) in ms or bytes, via the parsers the loader uses. */
function parseConfigValue(text: string): number | undefined {
  return parseDuration(text) ?? parseSize(text);
}
