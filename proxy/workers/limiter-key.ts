/**
 * The name of a limiter table in the shared-memory maps: which limiter, and the sizing it was built
 * for. A reload that changes a limit or window names a new table (fresh counts), as a single-thread
 * ProxyState builds a new limiter then; one that changes neither keeps the same table and its counts.
 */
import type { LimiterKey, LimiterTable } from '../proxy-memory.js';

/** Which limiter, as a string: `global` or `app:<name>`. */
export function limiterScope(key: LimiterKey): string {
  return key.scope === 'global' ? 'global' : `app:${key.app}`;
}

/** `global|<limit>|<windowMs>|<maxClients>` or `app:<name>|...`. */
export function limiterName(key: LimiterKey, table: LimiterTable): string {
  return `${limiterScope(key)}|${table.limit}|${table.windowMs}|${table.maxClients}`;
}
