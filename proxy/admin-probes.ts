/**
 * The admin server's built-in routes: `GET /metrics` (Prometheus text from a prom-client Registry,
 * behind the token when one is set), `GET /healthz` (200 while the process runs) and `GET /readyz`
 * (200 when every readiness check passes, else 503 naming the failing ones). The probes are public.
 */
import type { Registry } from 'prom-client';
import type { AdminServer } from './admin-server.js';

/** One readiness condition, e.g. "the proxy listens" or "the router watch is live". */
export interface ReadinessCheck {
  readonly name: string;
  ok(): boolean;
}

/** Registers /metrics, /healthz and /readyz on `admin`. */
export function registerProbes(admin: AdminServer, options: { registry: Registry; checks: readonly ReadinessCheck[] }): void {
  const { registry, checks } = options;
  admin.route('GET', '/metrics', async () => ({
    status: 200,
    headers: { 'content-type': registry.contentType },
    body: await registry.metrics(),
  }));
  admin.route('GET', '/healthz', () => ({ status: 200, body: { status: 'ok' } }), { public: true });
  admin.route(
    'GET',
    '/readyz',
    () => {
      const results = Object.fromEntries(checks.map((check) => [check.name, check.ok()]));
      const ready = Object.values(results).every(Boolean);
      return { status: ready ? 200 : 503, body: { ready, checks: results } };
    },
    { public: true },
  );
}
