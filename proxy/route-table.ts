/**
 * Host + path-prefix routing, compiled once per config and swapped whole (the hot path never sees a
 * half-built table). Precedence: an exact host beats a wildcard host (`*.example.com`, any depth of
 * subdomain, longest suffix first), which beats routes with no host; within the chosen host, the
 * longest path prefix wins. If nothing under a host matches the path, the next host class is tried.
 * Prefixes match whole segments: `/api` matches `/api`, `/api/x` and `/api?q`, not `/apix`; a prefix
 * ending in `/` matches any path that starts with it.
 */

export interface RouteSpec<T> {
  host?: string;
  pathPrefix: string;
  target: T;
}

interface CompiledRoute<T> {
  prefix: string;
  target: T;
}

export class RouteTable<T> {
  readonly #exact = new Map<string, CompiledRoute<T>[]>();
  #lastHostHeader = '';
  #lastHost = '';
  /** Wildcards as [".example.com", routes], longest suffix first. */
  readonly #wildcards: [string, CompiledRoute<T>[]][] = [];
  readonly #anyHost: CompiledRoute<T>[] = [];

  constructor(specs: readonly RouteSpec<T>[]) {
    const wildcards = new Map<string, CompiledRoute<T>[]>();
    for (const spec of specs) {
      const route = { prefix: spec.pathPrefix, target: spec.target };
      const host = spec.host?.toLowerCase();
      if (host === undefined) this.#anyHost.push(route);
      else if (host.startsWith('*.')) pushTo(wildcards, host.slice(1), route);
      else pushTo(this.#exact, host, route);
    }
    for (const routes of [...this.#exact.values(), ...wildcards.values(), this.#anyHost]) routes.sort((a, b) => b.prefix.length - a.prefix.length);
    this.#wildcards = [...wildcards].sort((a, b) => b[0].length - a[0].length);
  }

  /** The target for a request's Host header (port and case ignored) and path, or undefined (404). */
  match(hostHeader: string, path: string): T | undefined {
    // Requests come in runs for one host: its normalised form (whose hash the map lookup has
    // computed once) is reused while the Host header is the same text.
    if (hostHeader !== this.#lastHostHeader) {
      this.#lastHostHeader = hostHeader;
      this.#lastHost = normalizeHost(hostHeader);
    }
    const host = this.#lastHost;
    const exact = this.#exact.get(host);
    if (exact) {
      const found = matchPath(exact, path);
      if (found !== undefined) return found;
    }
    for (const [suffix, routes] of this.#wildcards) {
      if (host.length > suffix.length && host.endsWith(suffix)) {
        const found = matchPath(routes, path);
        if (found !== undefined) return found;
      }
    }
    return matchPath(this.#anyHost, path);
  }
}

function pushTo<T>(map: Map<string, CompiledRoute<T>[]>, key: string, route: CompiledRoute<T>): void {
  const list = map.get(key);
  if (list) list.push(route);
  else map.set(key, [route]);
}

function matchPath<T>(routes: readonly CompiledRoute<T>[], path: string): T | undefined {
  for (const route of routes) {
    const prefix = route.prefix;
    if (!path.startsWith(prefix)) continue;
    if (path.length === prefix.length || prefix.endsWith('/')) return route.target;
    const next = path.charCodeAt(prefix.length);
    if (next === 47 /* / */ || next === 63 /* ? */) return route.target;
  }
  return undefined;
}

/** Lowercase, without the port: `Hello.Localhost:8000` → `hello.localhost`; `[::1]:80` → `[::1]`. */
export function normalizeHost(hostHeader: string): string {
  let end = hostHeader.length;
  const colon = hostHeader.lastIndexOf(':');
  if (colon >= 0 && hostHeader.indexOf(']', colon) < 0) end = colon;
  let host = hostHeader.slice(0, end);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}
