import { isIP } from 'node:net';

/** An IP network as written in `proxy.trusted_proxies` or an allow list: `10.0.0.0/8`, `::1/128`, or a bare address. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export const CIDR_HINT = 'expected an IP address or CIDR block, e.g. 127.0.0.1/32, 10.0.0.0/8 or ::1/128';

/** Parses a CIDR block; a bare address is its own /32 or /128. Undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}
