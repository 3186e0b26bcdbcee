/**
 * The admin HTTP listener (`admin.listen`): a node:http server with a small route table, so the
 * probes and /metrics (admin-probes.ts) and later the `/api/v1/*` handlers plug in by registering
 * routes. With `admin.token` set, every route not registered as public wants
 * `Authorization: Bearer <token>` (admin-auth.ts); health probes are public so orchestrators need
 * no secret. Answers are short JSON (or the handler's own body); a throwing handler gets a 500.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BearerGuard } from './admin-auth.js';

/** One request as a handler sees it. */
export interface AdminRequest {
  readonly method: string;
  readonly url: URL;
  /** Values of the route's `:name` segments. */
  readonly params: Readonly<Record<string, string>>;
  readonly raw: http.IncomingMessage;
}

/** What a handler answers. `body` that is not a string or Buffer is sent as JSON. */
export interface AdminResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A route handler. */
export type AdminHandler = (req: AdminRequest) => AdminResponse | Promise<AdminResponse>;

/** Where the admin server logs; a pino logger fits. */
export interface AdminLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What startAdminServer needs. */
export interface AdminServerOptions {
  host: string;
  port: number;
  /** `admin.token`; no token: every route is open (keep admin.listen on loopback then). */
  token?: string;
  logger?: AdminLogger;
}

interface Route {
  method: string;
  segments: readonly string[];
  handler: AdminHandler;
  public: boolean;
}

/** A running admin server. */
export interface AdminServer {
  /** The bound port (admin.listen's, or the one picked for port 0). */
  readonly port: number;
  /**
   * Adds a route. `path` segments starting with `:` match any one segment (`/api/v1/apps/:name`);
   * `public` routes skip the token check.
   */
  route(method: string, path: string, handler: AdminHandler, options?: { public?: boolean }): void;
  close(): Promise<void>;
}

const SILENT: AdminLogger = { warn: () => {} };

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchRoute(route: Route, segments: readonly string[]): Record<string, string> | undefined {
  if (route.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const want = route.segments[i]!;
    const got = segments[i]!;
    if (want.startsWith(':')) params[want.slice(1)] = decodeURIComponent(got);
    else if (want !== got) return undefined;
  }
  return params;
}

function send(res: http.ServerResponse, answer: AdminResponse): void {
  const { body } = answer;
  const headers: Record<string, string> = { ...answer.headers };
  let payload: string | Buffer = '';
  if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
  else if (body !== undefined) {
    payload = `${JSON.stringify(body)}\n`;
    headers['content-type'] ??= 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(answer.status, headers);
  res.end(payload);
}

/** Starts the admin server and resolves once it listens. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const logger = options.logger ?? SILENT;
  const guard = options.token === undefined ? null : new BearerGuard(options.token);
  const routes: Route[] = [];

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const method = req.method ?? 'GET';
    const segments = split(url.pathname);
    let found: { route: Route; params: Record<string, string> } | undefined;
    const allowed: string[] = [];
    for (const route of routes) {
      const params = matchRoute(route, segments);
      if (params === undefined) continue;
      allowed.push(route.method);
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) found ??= { route, params };
    }
    if (found === undefined) {
      if (allowed.length > 0) return send(res, { status: 405, headers: { allow: allowed.join(', ') }, body: { error: 'method_not_allowed' } });
      return send(res, { status: 404, body: { error: 'not_found', path: url.pathname } });
    }
    if (guard !== null && !found.route.public) {
      const auth = await guard.check(req.headers.authorization, req.socket.remoteAddress ?? '');
      if (!auth.ok) {
        if (auth.status === 429) return send(res, { status: 429, headers: { 'retry-after': String(auth.retryAfterS) }, body: { error: 'too_many_bad_tokens' } });
        return send(res, { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { error: 'unauthorized' } });
      }
    }
    const answer = await found.route.handler({ method, url, params: found.params, raw: req });
    if (method === 'HEAD') {
      res.writeHead(answer.status, answer.headers);
      res.end();
      return;
    }
    send(res, answer);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.warn({ err, url: req.url }, 'admin handler failed');
      if (!res.headersSent) send(res, { status: 500, body: { error: 'internal' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    route(method, path, handler, routeOptions = {}) {
      routes.push({ method: method.toUpperCase(), segments: split(path), handler, public: routeOptions.public === true });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
