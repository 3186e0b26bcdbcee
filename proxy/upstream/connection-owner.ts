/**
 * What a connection needs from its pool: the clock and timeouts its deadlines use, and the three
 * moments the pool must hear about (reusable again, gone, to be retried).
 */
import type { Connection } from './connection.js';
import type { UpstreamRequest } from './upstream-request.js';

/** What the connection needs from its pool. */
export interface ConnectionOwner {
  /** Coarse clock (ms) the deadlines are measured on; advanced by the pool's sweep. */
  readonly now: number;
  readonly address: string;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** The exchange finished cleanly and the socket may carry another request. */
  release(conn: Connection): void;
  /** The socket is gone (closed, destroyed or failed): forget it. Called exactly once. */
  removed(conn: Connection): void;
  /** The request's reused socket died before any response byte: send it again on a new socket. */
  retry(req: UpstreamRequest): void;
}
