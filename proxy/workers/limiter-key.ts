/**
 * Which limiter a shared table belongs to: `global`, or `app:<name>` for an app's own limiter. The
 * main thread keeps the newest table per scope; a limiter built in a worker (at start, or when a
 * reload changed its limit or window, exactly when the main thread built a new one) takes its scope's.
 */
import type { LimiterKey } from '../proxy-memory.js';

/** `global` or `app:<name>`. */
export function limiterScope(key: LimiterKey): string {
  return key.scope === 'global' ? 'global' : `app:${key.app}`;
}
