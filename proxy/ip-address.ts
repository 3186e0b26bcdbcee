/**
 * IP addresses as numbers, for the hot path: the rate limiter keys clients by two 32-bit words and the
 * trusted-proxy check compares masked words, with no string splitting per request beyond one parse.
 *
 * IPv4 `a.b.c.d` is `{v6: false, hi: 0, lo: a<<24|b<<16|c<<8|d}`. IPv6 keeps its top 64 bits
 * (`hi` = bits 0..31, `lo` = bits 32..63): the limiter groups IPv6 clients by /64 or a shorter
 * prefix, and trusted-proxy blocks longer than /64 compare the low half too (see `IpParts.tail`).
 * IPv4-mapped IPv6 (`::ffff:127.0.0.1`, or uWS's dual-stack `0000:...:ffff:7f00:0001`) is IPv4.
 */
export interface IpParts {
  v6: boolean;
  hi: number;
  lo: number;
  /** IPv6 only: bits 64..127 as two words, for prefixes longer than /64. */
  tail: [number, number];
}

/** Parses an IPv4 or IPv6 address (no zone, no brackets); undefined when it is not one. */
export function parseIp(text: string): IpParts | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): IpParts | undefined {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 /* . */) {
      if (octet < 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = -1;
    } else if (code >= 48 && code <= 57) {
      octet = octet < 0 ? code - 48 : octet * 10 + code - 48;
      if (octet > 255) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || octet < 0) return undefined;
  return { v6: false, hi: 0, lo: (value * 256 + octet) >>> 0, tail: [0, 0] };
}

function parseIpv6(text: string): IpParts | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  // A trailing dotted quad (::ffff:1.2.3.4) stands for two groups.
  const last = (halves.length === 2 ? rest : head).at(-1);
  let embedded: IpParts | undefined;
  if (last?.includes('.')) {
    embedded = parseIpv4(last);
    if (!embedded) return undefined;
    (halves.length === 2 ? rest : head).splice(-1, 1, (embedded.lo >>> 16).toString(16), (embedded.lo & 0xffff).toString(16));
  }
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const groups = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const words: number[] = [];
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    words.push(parseInt(group, 16));
  }
  const word = (i: number) => ((words[i]! << 16) | words[i + 1]!) >>> 0;
  if (word(0) === 0 && word(2) === 0 && word(4) === 0xffff) return { v6: false, hi: 0, lo: word(6), tail: [0, 0] };
  return { v6: true, hi: word(0), lo: word(2), tail: [word(4), word(6)] };
}

/** A mask of the top `bits` (0..32) of a 32-bit word. */
export function wordMask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}
