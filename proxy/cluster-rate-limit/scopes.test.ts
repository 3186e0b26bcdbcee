import { describe, expect, it } from 'vitest';
import { keys } from '../../store/keys.js';
import { SlidingWindowLimiter } from '../rate-limiter.js';
import { GLOBAL_SCOPE, appScope, parseRateLimitKey, sharedLimiters } from './scopes.js';

const limiter = (shared: boolean) => new SlidingWindowLimiter({ limit: 5, windowMs: 1_000, maxClients: 10, ipv6Prefix: 64, shared });

describe('rate-limit scopes', () => {
  it.each([
    [keys.rateLimit(GLOBAL_SCOPE, 'host-1.example-42'), { scope: 'global', proxyId: 'host-1.example-42' }],
    [keys.rateLimit(appScope('api'), 'p1'), { scope: 'app:api', proxyId: 'p1' }],
    ['vortex:ratelimit:global:', undefined],
    ['vortex:ratelimit:p1', undefined],
    ['vortex:metrics:api:p1', undefined],
  ])('splits %s', (key, expected) => {
    expect(parseRateLimitKey(key)).toEqual(expected);
  });

  it('lists the shared limiters: global, and apps with their own', () => {
    const api = limiter(true);
    const found = sharedLimiters({
      globalLimiter: limiter(true),
      apps: new Map([
        ['api', { limiter: api }],
        ['web', { limiter: null }],
      ]),
    });
    expect([...found.keys()]).toEqual(['global', 'app:api']);
    expect(found.get('app:api')).toBe(api);
    expect(sharedLimiters({ globalLimiter: limiter(false), apps: new Map() }).size).toBe(0);
  });
});
