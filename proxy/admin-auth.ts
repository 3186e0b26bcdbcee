/**
 * The admin API's bearer-token check (`admin.token`). Tokens are compared in constant time (hashes of
 * equal length through timingSafeEqual), and repeated bad tokens from one client IP are refused with
 * 429 for a while: rate-limiter-flexible's RateLimiterMemory, a fixed window per IP that starts at
 * its first bad token, fits this off-the-hot-path guard (libraries.md §1).
 *
 * Memory: one entry (~560 B) per client IP that sent a bad token in the last BAD_TOKEN_WINDOW_S,
 * dropped when its window ends; the admin listener is meant for loopback or an internal network.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

// The package's index loads every store it supports (cluster, Redis, SQL...: ~35 modules and
// node:cluster with them); this guard needs two of its files.
const require = createRequire(import.meta.url);
const MemoryLimiter = require('rate-limiter-flexible/lib/RateLimiterMemory.js') as typeof RateLimiterMemory;
const LimiterResult = require('rate-limiter-flexible/lib/RateLimiterRes.js') as typeof RateLimiterRes;

/** Bad tokens one client IP may send per window before it gets 429. */
export const BAD_TOKEN_LIMIT = 10;
/** The window for BAD_TOKEN_LIMIT, seconds. */
export const BAD_TOKEN_WINDOW_S = 60;

/** The outcome of a check: let it through, or answer with `status` (and Retry-After seconds for 429). */
export type AuthResult = { ok: true } | { ok: false; status: 401 } | { ok: false; status: 429; retryAfterS: number };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Checks `Authorization: Bearer <token>` headers against one token. */
export class BearerGuard {
  private readonly expected: Buffer;
  private readonly limiter: RateLimiterMemory;

  constructor(token: string, options: { limit?: number; windowS?: number } = {}) {
    this.expected = digest(token);
    this.limiter = new MemoryLimiter({ points: options.limit ?? BAD_TOKEN_LIMIT, duration: options.windowS ?? BAD_TOKEN_WINDOW_S });
  }

  /** Checks one request's Authorization header from client `ip`. */
  async check(authorization: string | undefined, ip: string): Promise<AuthResult> {
    const seen = await this.limiter.get(ip);
    if (seen !== null && seen.remainingPoints <= 0) return { ok: false, status: 429, retryAfterS: retryAfter(seen) };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (match !== null && timingSafeEqual(digest(match[1]!), this.expected)) return { ok: true };
    try {
      await this.limiter.consume(ip);
      return { ok: false, status: 401 };
    } catch (rejection) {
      if (rejection instanceof LimiterResult) return { ok: false, status: 429, retryAfterS: retryAfter(rejection) };
      throw rejection;
    }
  }
}

function retryAfter(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}
