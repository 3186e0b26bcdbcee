import { stringify } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../config/load.js';
import { ProxyState } from './proxy-state.js';

function config(apps: Array<Record<string, unknown>>, ratelimit = 100) {
  return parseConfig(stringify({ ratelimiter: { ratelimit, ratewindow: '10s' }, apps }), 't.yaml', { env: {} });
}

const dockerApp = (name: string, extra: Record<string, unknown> = {}) => ({ name, match: { path_prefix: `/${name}` }, backend: { plugin: 'docker', image: 'x' }, ...extra });

function state(c: ReturnType<typeof config>): ProxyState {
  const s = new ProxyState(c);
  onTestFinished(() => s.destroy());
  return s;
}

describe('ProxyState', () => {
  it('routes to apps and gives a static app its upstreams at once', () => {
    const s = state(config([{ name: 'legacy', backend: { plugin: 'static', upstreams: ['127.0.0.1:9001', '127.0.0.1:9002'] } }, dockerApp('api')]));
    expect(s.routes.match('any', '/api/x')?.name).toBe('api');
    expect(s.routes.match('any', '/other')?.name).toBe('legacy');
    expect(s.apps.get('legacy')!.backends.list.map((b) => b.address)).toEqual(['127.0.0.1:9001', '127.0.0.1:9002']);
    expect(s.apps.get('api')!.backends.list).toEqual([]);
  });

  it('remembers a router list that arrives before its app is configured, and drops invalid entries', () => {
    const s = state(config([dockerApp('api')]));
    s.setRouter('later', ['127.0.0.1:1', 'nonsense', '127.0.0.1:99999']);
    s.applyConfig(config([dockerApp('api'), dockerApp('later')]));
    expect(s.apps.get('later')!.backends.list.map((b) => b.address)).toEqual(['127.0.0.1:1']);
  });

  it('keeps AppState objects, counters and limiters across a reload; retires removed apps', () => {
    const s = state(config([dockerApp('api', { ratelimiter: { ratelimit: 5, ratewindow: '1s' } }), dockerApp('old')]));
    const api = s.apps.get('api')!;
    const limiter = api.limiter;
    const global = s.globalLimiter;
    api.stats.countStatus(200);
    s.setRouter('old', ['127.0.0.1:1']);
    const oldBackend = s.apps.get('old')!.backends.list[0]!;
    s.applyConfig(config([dockerApp('api', { ratelimiter: { ratelimit: 5, ratewindow: '1s' } })]));
    expect(s.apps.get('api')).toBe(api);
    expect(api.limiter).toBe(limiter);
    expect(s.globalLimiter).toBe(global);
    expect(api.stats.byCode[200]).toBe(1);
    expect(s.apps.has('old')).toBe(false);
    expect(oldBackend.state).toBe('closed');
    expect(s.routes.match('any', '/old')).toBeUndefined();
  });

  it('replaces a limiter whose limit changed, and drops an app limiter that was removed', () => {
    const s = state(config([dockerApp('api', { ratelimiter: { ratelimit: 5, ratewindow: '1s' } })]));
    const api = s.apps.get('api')!;
    const before = api.limiter;
    s.applyConfig(config([dockerApp('api', { ratelimiter: { ratelimit: 6, ratewindow: '1s' } })], 200));
    expect(api.limiter).not.toBe(before);
    expect(api.limiter!.limit).toBe(6);
    expect(s.globalLimiter.limit).toBe(200);
    s.applyConfig(config([dockerApp('api')]));
    expect(api.limiter).toBeNull();
  });

  it('holds only for apps that scale from zero', () => {
    const s = state(config([dockerApp('zero', { min_replicas: 0 }), dockerApp('warm', { min_replicas: 1 })]));
    expect(s.apps.get('zero')!.canHold).toBe(true);
    expect(s.apps.get('warm')!.canHold).toBe(false);
  });
});
