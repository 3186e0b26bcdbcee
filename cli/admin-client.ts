/**
 * The client side of the `/api/v1` admin API for the CLI, over undici: where the running Vortex is
 * (its `admin.listen`, or `--admin <url>`), with the config's `admin.token` as the bearer token.
 * Every answer is validated against the API's schemas (proxy/admin-api/api-types.ts).
 */
import { Agent, request } from 'undici';
import type * as z from 'zod';
import { formatHostPort, parseHostPort } from '../config/listen-address.js';
import type { VortexConfig } from '../config/resolve.js';
import { ApiErrorSchema, AppsResponseSchema, ReloadResponseSchema, ScaleResponseSchema } from '../proxy/admin-api/api-types.js';
import type { AppsResponse, ReloadResponse, ScaleResponse } from '../proxy/admin-api/api-types.js';
import { AdminBadResponseError, AdminRefusedError, AdminUnreachableError } from './admin-errors.js';

/** Connect, header and body timeouts for admin calls, ms: the API answers from the store in milliseconds. */
export const ADMIN_TIMEOUT_MS = 10_000;
/** The largest answer read, bytes; a bigger one is refused as not the API's. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Where to reach the admin API and with what token. */
export interface AdminTarget {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8001`. */
  url: string;
  token?: string;
}

/** Wildcard listen hosts are reached on loopback. */
const WILDCARD: Readonly<Record<string, string>> = { '0.0.0.0': '127.0.0.1', '::': '::1' };

/**
 * The admin target for a command: `--admin <url>` when given (http or https, no path), else
 * `http://<admin.listen>` with 0.0.0.0 and :: read as loopback. Throws TypeError with a message for
 * a URL that is not one.
 */
export function adminTarget(config: VortexConfig, override: string | undefined): AdminTarget {
  const token = config.admin.token;
  const withToken = (url: string): AdminTarget => (token === undefined ? { url } : { url, token });
  if (override !== undefined) {
    let url: URL;
    try {
      url = new URL(override);
    } catch {
      throw new TypeError(`--admin ${JSON.stringify(override)}: expected a URL like http://127.0.0.1:8001`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '')) {
      throw new TypeError(`--admin ${JSON.stringify(override)}: expected a URL like http://127.0.0.1:8001 (http or https, no path)`);
    }
    return withToken(url.origin);
  }
  const listen = parseHostPort(config.admin.listen);
  if (listen === undefined) throw new TypeError(`admin.listen: invalid host:port ${JSON.stringify(config.admin.listen)}`);
  return withToken(`http://${formatHostPort({ host: WILDCARD[listen.host] ?? listen.host, port: listen.port })}`);
}

/** Calls the admin API; `close()` when done (it holds a keep-alive connection). */
export class AdminClient {
  readonly #target: AdminTarget;
  readonly #agent = new Agent({ connect: { timeout: ADMIN_TIMEOUT_MS }, headersTimeout: ADMIN_TIMEOUT_MS, bodyTimeout: ADMIN_TIMEOUT_MS });

  constructor(target: AdminTarget) {
    this.#target = target;
  }

  /** `GET /api/v1/apps`. */
  apps(): Promise<AppsResponse> {
    return this.#call('GET', '/api/v1/apps', undefined, AppsResponseSchema);
  }

  /** `POST /api/v1/apps/<app>/scale` with `replicas`, or `DELETE` of it for null (clear the override). */
  scale(app: string, replicas: number | null): Promise<ScaleResponse> {
    const path = `/api/v1/apps/${encodeURIComponent(app)}/scale`;
    return replicas === null ? this.#call('DELETE', path, undefined, ScaleResponseSchema) : this.#call('POST', path, { replicas }, ScaleResponseSchema);
  }

  /** `POST /api/v1/reload`: the running Vortex re-reads its config file. */
  reload(): Promise<ReloadResponse> {
    return this.#call('POST', '/api/v1/reload', undefined, ReloadResponseSchema);
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.#agent.close();
  }

  async #call<S extends z.ZodType>(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, schema: S): Promise<z.output<S>> {
    const url = `${this.#target.url}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#target.token !== undefined) headers.authorization = `Bearer ${this.#target.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let text: string;
    let status: number;
    try {
      const answer = await request(url, { method, headers, dispatcher: this.#agent, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      status = answer.statusCode;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) throw new AdminBadResponseError(this.#target.url, `an answer over ${MAX_ANSWER_BYTES} bytes`);
        chunks.push(chunk);
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      if (error instanceof AdminBadResponseError) throw error;
      throw new AdminUnreachableError(this.#target.url, reasonOf(error), { cause: error });
    }
    const json = parseJson(text);
    if (status >= 400) {
      const problem = ApiErrorSchema.safeParse(json);
      throw new AdminRefusedError(this.#target.url, status, problem.success ? problem.data : undefined);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new AdminBadResponseError(this.#target.url, `${method} ${path} answered ${status} with an unexpected body`);
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A short reason from a connection error: its code (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, ...) and message. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}${cause}` : `${error.message}${cause}`;
}
