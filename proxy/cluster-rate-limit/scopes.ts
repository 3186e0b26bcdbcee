/**
 * Which limiter a published count belongs to. The global limiter is scope `global`, an app's own
 * limiter `app:<name>` (app names never hold a colon, proxy ids neither: see defaultProxyId), so
 * `vortex:ratelimit:<scope>:<proxyId>` splits back unambiguously at its last colon.
 */
import { keys } from '../../store/keys.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';

/** The global limiter's scope. */
export const GLOBAL_SCOPE = 'global';

/** The scope of an app's own limiter. */
export function appScope(app: string): string {
  return `app:${app}`;
}

/** Splits a `vortex:ratelimit:` key; undefined when it is not one. */
export function parseRateLimitKey(key: string): { scope: string; proxyId: string } | undefined {
  if (!key.startsWith(keys.rateLimitAll)) return undefined;
  const rest = key.slice(keys.rateLimitAll.length);
  const colon = rest.lastIndexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return undefined;
  return { scope: rest.slice(0, colon), proxyId: rest.slice(colon + 1) };
}

/** The proxy's limiters as the sync sees them (ProxyState fits). */
export interface LimiterHolder {
  readonly globalLimiter: SlidingWindowLimiter;
  readonly apps: ReadonlyMap<string, { readonly limiter: SlidingWindowLimiter | null }>;
}

/** Every shared limiter by scope, read afresh each time (a reload replaces limiters). */
export function sharedLimiters(holder: LimiterHolder): Map<string, SlidingWindowLimiter> {
  const found = new Map<string, SlidingWindowLimiter>();
  if (holder.globalLimiter.shared) found.set(GLOBAL_SCOPE, holder.globalLimiter);
  for (const [name, app] of holder.apps) if (app.limiter?.shared === true) found.set(appScope(name), app.limiter);
  return found;
}
