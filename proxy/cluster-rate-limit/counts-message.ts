/**
 * What one proxy publishes for one limiter at `vortex:ratelimit:<scope>:<proxyId>`: the requests it
 * admitted per client in the current bucket and in the one before, as compact JSON:
 *
 *   {"w":10000,"b":176412345,"c":[["198.51.100.7",15],["2001:db8:1:2:0:0:0:0",3]],"p":[["198.51.100.7",20]]}
 *
 * `w` is the limiter's window (ms), `b` the bucket index (epoch ms / w, floored) that `c` counts;
 * `p` counts bucket b − 1 (final once b began). A client is its limiter key as text: IPv4 dotted,
 * IPv6 masked to `ratelimiter.ipv6_prefix` and written as eight hex groups. Each value is the whole
 * picture, not a delta, so a reader that missed puts (a compacted watch, a restart) needs only the
 * latest one.
 */
import { z } from 'zod';
import type { IpParts } from '../ip-address.js';

/** One proxy's counts for one limiter. */
export interface CountsMessage {
  /** The limiter's window (ms); a reader whose limiter has another window ignores the message. */
  readonly window: number;
  /** Bucket index that `curr` counts (epoch ms / window, floored). */
  readonly bucket: number;
  /** [client, requests admitted in `bucket`], busiest first. */
  readonly curr: ReadonlyArray<readonly [string, number]>;
  /** [client, requests admitted in `bucket − 1`], busiest first. */
  readonly prev: ReadonlyArray<readonly [string, number]>;
}

/** Entries a reader accepts per list: a value with more is refused whole (a writer never sends more than its maxEntries). */
export const MAX_DECODED_ENTRIES = 20_000;

const entries = z.array(z.tuple([z.string().min(1).max(64), z.int().min(1)])).max(MAX_DECODED_ENTRIES);
const wireSchema = z.object({ w: z.number().positive(), b: z.int().min(0), c: entries, p: entries });

/** The JSON text of a message. */
export function encodeCounts(message: CountsMessage): string {
  return JSON.stringify({ w: message.window, b: message.bucket, c: message.curr, p: message.prev });
}

/** Parses a published value; undefined when it is not one (the reader then ignores that proxy's counts). */
export function decodeCounts(value: Buffer | string): CountsMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return undefined;
  }
  const result = wireSchema.safeParse(parsed);
  if (!result.success) return undefined;
  const { w, b, c, p } = result.data;
  return { window: w, bucket: b, curr: c, prev: p };
}

/**
 * The same counts as seen from `bucket` (≥ message.bucket): one bucket on, the current list became
 * the previous one; two or more on, nothing is left.
 */
export function shiftCounts(message: CountsMessage, bucket: number): CountsMessage {
  if (bucket === message.bucket) return message;
  return { window: message.window, bucket, curr: [], prev: bucket === message.bucket + 1 ? message.curr : [] };
}

/** A limiter key as message text: dotted IPv4, or eight hex groups of IPv6 (parseIp reads both back). */
export function formatClientKey(client: IpParts): string {
  if (!client.v6) return [client.lo >>> 24, (client.lo >>> 16) & 0xff, (client.lo >>> 8) & 0xff, client.lo & 0xff].join('.');
  const groups: string[] = [];
  for (const word of [client.hi, client.lo, client.tail[0], client.tail[1]]) groups.push((word >>> 16).toString(16), (word & 0xffff).toString(16));
  return groups.join(':');
}
