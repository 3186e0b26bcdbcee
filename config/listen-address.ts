import { isIP } from 'node:net';

/** A TCP address to listen on or connect to: `host:port` with IPv6 hosts in brackets (`[::1]:8000`). */
export interface HostPort {
  host: string;
  port: number;
}

export const HOST_PORT_HINT = 'expected host:port, e.g. 127.0.0.1:8000, 0.0.0.0:8000 or [::1]:8000';

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Parses `host:port`; the host is an IP address or a DNS name, the port 0..65535 (0 asks the OS
 * for a free port, which tests use). Returns undefined when the text is not such an address.
 */
export function parseHostPort(text: string): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  if (match[1] !== undefined) return isIP(match[1]) === 6 ? { host: match[1], port } : undefined;
  const host = match[2]!;
  if (/^[\d.]+$/.test(host)) return isIP(host) === 4 ? { host, port } : undefined;
  return HOSTNAME.test(host) ? { host, port } : undefined;
}

/** The text form again, bracketing IPv6 hosts. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
