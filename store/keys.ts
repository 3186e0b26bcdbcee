/**
 * Every store key Vortex uses (design.md §4), built here and nowhere else. The names are a contract
 * with existing deployments and tools: `vortex:metrics:<app>:<proxyId>`, `vortex:queue:scale:<app>`,
 * `vortex:container:<id>`, `router:<app>`, `vortex:scaler:leader`, `vortex:event:<app>:<rev>`.
 */

export const keys = {
  /** Per-app load published by one proxy, under that proxy's lease. */
  metrics: (app: string, proxyId: string) => `vortex:metrics:${app}:${proxyId}`,
  metricsOfApp: (app: string) => `vortex:metrics:${app}:`,
  metricsAll: 'vortex:metrics:',

  /**
   * One proxy's admitted-request counts per client for one limiter (`scope`: `global` or
   * `app:<name>`), under that proxy's lease (`ratelimiter.scope: cluster`; proxy/cluster-rate-limit/).
   */
  rateLimit: (scope: string, proxyId: string) => `vortex:ratelimit:${scope}:${proxyId}`,
  rateLimitAll: 'vortex:ratelimit:',

  /** The desired replica count (ScaleJob) the scaler wants for an app; level-triggered. */
  scaleJob: (app: string) => `vortex:queue:scale:${app}`,
  scaleJobsAll: 'vortex:queue:scale:',

  /** An operator's manual replica target for an app (`vortex scale`); holds until deleted. */
  manualScale: (app: string) => `vortex:manual:scale:${app}`,
  manualScalesAll: 'vortex:manual:scale:',

  /** One backend instance's ContainerRecord. */
  container: (id: string) => `vortex:container:${id}`,
  containersAll: 'vortex:container:',

  /** The ready backend addresses of an app, as a JSON array of `host:port`. */
  router: (app: string) => `router:${app}`,
  routersAll: 'router:',

  /** The scaler leader's id, bound to its lease. */
  scalerLeader: 'vortex:scaler:leader',

  /** Scale, heal and recovery events; `seq` orders them (zero-padded so keys sort by time). */
  event: (app: string, seq: number) => `vortex:event:${app}:${String(seq).padStart(16, '0')}`,
  eventsOfApp: (app: string) => `vortex:event:${app}:`,
  eventsAll: 'vortex:event:',

  /** Secondary index entries maintained by store/records. */
  index: (type: string, field: string, value: string, id: string) => `vortex:index:${type}:${field}:${encodeURIComponent(value)}:${encodeURIComponent(id)}`,
  indexOfValue: (type: string, field: string, value: string) => `vortex:index:${type}:${field}:${encodeURIComponent(value)}:`,
} as const;

/**
 * Orders two texts by UTF-16 code unit, the way the store orders its keys (for ASCII ids and keys,
 * byte order). Unlike localeCompare it does not depend on the locale, nor load ICU's collation data
 * (several MB of the process's memory).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
