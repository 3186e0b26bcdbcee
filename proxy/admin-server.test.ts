import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BAD_TOKEN_LIMIT } from './admin-auth.js';
import { registerProbes } from './admin-probes.js';
import { startAdminServer } from './admin-server.js';
import type { AdminServer } from './admin-server.js';

const TOKEN = 'a-very-secret-admin-token';

async function admin(token?: string): Promise<{ server: AdminServer; url: (path: string) => string; checks: { proxy: boolean; watch: boolean } }> {
  const server = await startAdminServer({ host: '127.0.0.1', port: 0, ...(token === undefined ? {} : { token }) });
  onTestFinished(() => server.close());
  const checks = { proxy: true, watch: true };
  registerProbes(server, {
    registry: new Registry(),
    checks: [
      { name: 'proxy', ok: () => checks.proxy },
      { name: 'router_watch', ok: () => checks.watch },
    ],
  });
  return { server, url: (path) => `http://127.0.0.1:${server.port}${path}`, checks };
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('admin server', () => {
  it('serves the probes and /metrics, 404 for unknown paths and 405 for a wrong method', async () => {
    const { url, checks } = await admin();
    expect((await fetch(url('/healthz'))).status).toBe(200);
    const ready = await fetch(url('/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { proxy: true, router_watch: true } });
    checks.watch = false;
    const notReady = await fetch(url('/readyz'));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, checks: { proxy: true, router_watch: false } });
    const metrics = await fetch(url('/metrics'));
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    expect((await fetch(url('/nope'))).status).toBe(404);
    const post = await fetch(url('/metrics'), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('lets later handlers plug in with path parameters; a throwing handler gets 500', async () => {
    const { server, url } = await admin();
    server.route('GET', '/api/v1/apps/:name', (req) => ({ status: 200, body: { app: req.params.name } }));
    server.route('GET', '/api/v1/boom', () => {
      throw new Error('boom');
    });
    expect(await (await fetch(url('/api/v1/apps/hello%2Dworld'))).json()).toEqual({ app: 'hello-world' });
    expect((await fetch(url('/api/v1/boom'))).status).toBe(500);
  });

  it('wants the bearer token on everything but the probes', async () => {
    const { url } = await admin(TOKEN);
    const missing = await fetch(url('/metrics'));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(url('/metrics'), bearer('wrong-token-of-some-length'))).status).toBe(401);
    expect((await fetch(url('/metrics'), bearer(TOKEN.slice(0, -1)))).status).toBe(401);
    expect((await fetch(url('/metrics'), bearer(TOKEN))).status).toBe(200);
    expect((await fetch(url('/healthz'))).status).toBe(200);
    expect((await fetch(url('/readyz'))).status).toBe(200);
  });

  it('answers 429 to a client IP after repeated bad tokens, even with the right one', async () => {
    const { url } = await admin(TOKEN);
    for (let i = 0; i < BAD_TOKEN_LIMIT; i++) expect((await fetch(url('/metrics'), bearer(`bad-${i}`))).status).toBe(401);
    const blocked = await fetch(url('/metrics'), bearer('bad-again'));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fetch(url('/metrics'), bearer(TOKEN))).status).toBe(429);
    expect((await fetch(url('/healthz'))).status).toBe(200);
  });
});
