/**
 * ClientMetrics: one proxy's view of one app's load over the last telemetry window (design.md §4), at
 * `vortex:metrics:<app>:<proxyId>` under the proxy's lease, so a dead proxy's numbers vanish. Its id
 * is `<app>:<proxyId>`; the scaler sums the records of an app (a prefix range or watch).
 */
import * as z from 'zod';
import { keys } from '../keys.js';
import { defineRecord } from './record-type.js';

const count = () => z.number().int().nonnegative();

export const ClientMetrics = defineRecord({
  name: 'metrics',
  prefix: keys.metricsAll,
  idField: 'id',
  indexes: ['proxyId'],
  schema: z.object({
    id: z.string().min(1),
    app: z.string().min(1),
    proxyId: z.string().min(1),
    /** Requests per second over the window. */
    rps: z.number().nonnegative(),
    /** Requests in flight when the record was written. */
    inflight: count(),
    p50Ms: z.number().nonnegative(),
    p99Ms: z.number().nonnegative(),
    /** Error responses in the window, by kind (no_backend, upstream_refused, timeout, ...). */
    errors: z.record(z.string(), count()),
    rateLimited: count(),
    /** Requests held waiting for a backend (scale from zero): the demand signal. */
    waiting: count(),
    windowMs: z.number().int().positive(),
    /** Epoch ms when the window ended. */
    at: z.number().int().nonnegative(),
    /** In-flight requests per backend address, for draining. */
    backends: z.record(z.string(), count()),
  }),
});

export type ClientMetricsValue = z.output<typeof ClientMetrics.schema>;

export function clientMetricsId(app: string, proxyId: string): string {
  return keys.metrics(app, proxyId).slice(keys.metricsAll.length);
}
