/**
 * Keep-alive connection pool for one backend: LIFO idle sockets (the most recently used one is the
 * least likely to have been closed by the backend), a connection limit, a bounded FIFO wait queue,
 * timeouts enforced by one coarse sweep, and one transparent retry when a reused socket turns out
 * dead before any response byte.
 */
import { Connection } from './connection.js';
import type { ConnectionOwner } from './connection-owner.js';
import { InvalidArgumentError, InvalidRequestError, PoolClosedError, QueueFullError } from './errors.js';
import { serializeRequestHead } from './request-head.js';
import { RequestQueue } from './request-queue.js';
import { RequestState, UpstreamRequest } from './upstream-request.js';
import type { RequestOwner } from './upstream-request.js';
import type { PoolOptions, PoolStats, UpstreamHandler, UpstreamRequestOptions } from './types.js';

/** Defaults of every tunable; times in ms, sizes in bytes. */
export const POOL_DEFAULTS = Object.freeze({
  maxConnections: 256,
  maxQueue: 1024,
  connectTimeoutMs: 10_000, // 10 s
  headersTimeoutMs: 60_000, // 60 s, nginx's proxy_read_timeout
  bodyTimeoutMs: 60_000, // 60 s between reads
  idleTimeoutMs: 4_000, // 4 s: below node:http's 5 s keepAliveTimeout, so we close first
  maxHeaderSize: 16_384, // 16 KiB, Node's default
  maxReplayBytes: 65_536, // 64 KiB
  maxPendingBodyBytes: 1_048_576, // 1 MiB
});

function integer(options: PoolOptions, key: keyof typeof POOL_DEFAULTS, min: number, max: number): number {
  const value = options[key] ?? POOL_DEFAULTS[key];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${key} = ${String(value)}, must be an integer in [${min}, ${max}]`);
  }
  return value;
}

/** A pool of keep-alive HTTP/1.1 connections to one backend. */
export class UpstreamPool implements ConnectionOwner, RequestOwner {
  /** `host:port`, for messages and the default Host header. */
  readonly address: string;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxReplayBytes: number;
  readonly maxPendingBodyBytes: number;
  /** Coarse clock (ms, `performance.now()` at the last sweep) that deadlines use. */
  now = performance.now();
  private readonly host: string;
  private readonly port: number;
  private readonly maxConnections: number;
  private readonly maxQueue: number;
  private readonly maxHeaderSize: number;
  /** Sweep period: a quarter of the shortest timeout (10 ms..1 s), so a timeout fires within +-25% of it. */
  private readonly sweepMs: number;
  private readonly connections = new Set<Connection>();
  private readonly idleStack: Connection[] = [];
  private readonly queue = new RequestQueue();
  private sweeper: NodeJS.Timeout | null = null;
  private retries = 0;
  private closing = false;
  private closed: Promise<void> | null = null;
  private resolveClosed: (() => void) | null = null;

  constructor(options: PoolOptions) {
    if (typeof options.host !== 'string' || options.host === '') throw new InvalidArgumentError('host must be a non-empty string');
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new InvalidArgumentError(`port = ${String(options.port)}, must be an integer in [1, 65535]`);
    }
    this.host = options.host;
    this.port = options.port;
    this.address = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
    this.maxConnections = integer(options, 'maxConnections', 1, 65_536);
    this.maxQueue = integer(options, 'maxQueue', 0, 1_000_000);
    this.connectTimeoutMs = integer(options, 'connectTimeoutMs', 1, 3_600_000);
    this.headersTimeoutMs = integer(options, 'headersTimeoutMs', 1, 3_600_000);
    this.bodyTimeoutMs = integer(options, 'bodyTimeoutMs', 1, 3_600_000);
    this.idleTimeoutMs = integer(options, 'idleTimeoutMs', 1, 3_600_000);
    this.maxHeaderSize = integer(options, 'maxHeaderSize', 1024, 1_048_576);
    this.maxReplayBytes = integer(options, 'maxReplayBytes', 0, 16_777_216);
    this.maxPendingBodyBytes = integer(options, 'maxPendingBodyBytes', 1, 67_108_864);
    const shortest = Math.min(this.connectTimeoutMs, this.headersTimeoutMs, this.bodyTimeoutMs, this.idleTimeoutMs);
    this.sweepMs = Math.min(1000, Math.max(10, Math.floor(shortest / 4)));
  }

  /**
   * Starts a request. The response arrives on `handler`; a body (when `bodyLength` is not 0) is
   * pushed with the returned request's `write()`/`end()`. Throws, without calling the handler:
   * InvalidRequestError (bad method, path, header or bodyLength), PoolClosedError after close(),
   * QueueFullError when every socket is busy and `maxQueue` requests already wait.
   */
  request(options: UpstreamRequestOptions, handler: UpstreamHandler): UpstreamRequest {
    if (this.closing) throw new PoolClosedError(this.address);
    const bodyLength = options.bodyLength ?? 0;
    if (!Number.isSafeInteger(bodyLength) || bodyLength < -1) throw new InvalidRequestError(`bodyLength = ${bodyLength}`);
    const head = serializeRequestHead(options.method, options.path, options.headers, bodyLength, this.address, options.validated === true);
    const req = new UpstreamRequest(this, head, options.method === 'HEAD', bodyLength, handler, options.method);
    const conn = this.takeConnection();
    if (conn !== null) conn.dispatch(req);
    else if (this.queue.length < this.maxQueue) this.queue.push(req);
    else throw new QueueFullError(this.address, this.maxQueue);
    return req;
  }

  /** Occupancy now, for telemetry. */
  stats(): PoolStats {
    const idle = this.idleStack.length;
    return { connections: this.connections.size, active: this.connections.size - idle, idle, queued: this.queue.length, retries: this.retries };
  }

  /** Stops accepting requests, lets active and queued ones finish, closes every socket; resolves when none is left. */
  close(): Promise<void> {
    if (this.closed !== null) return this.closed;
    this.closing = true;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    for (const conn of this.idleStack.splice(0)) conn.destroy();
    this.checkClosed();
    return this.closed;
  }

  /** Closes every socket now; active and queued requests get PoolClosedError. */
  destroy(): Promise<void> {
    const closed = this.close();
    for (let req = this.queue.shift(); req !== null; req = this.queue.shift()) {
      req.release();
      req.handler.onError(new PoolClosedError(this.address, req));
    }
    for (const conn of [...this.connections]) conn.shutdown();
    return closed;
  }

  /** ConnectionOwner: the exchange on `conn` ended cleanly. */
  release(conn: Connection): void {
    const next = this.queue.shift();
    if (next !== null) {
      conn.dispatch(next);
    } else if (this.closing) {
      conn.destroy();
    } else {
      this.idleStack.push(conn);
    }
  }

  /** ConnectionOwner: `conn`'s socket is gone. */
  removed(conn: Connection): void {
    this.connections.delete(conn);
    const i = this.idleStack.lastIndexOf(conn);
    if (i !== -1) this.idleStack.splice(i, 1);
    // The freed slot goes to the oldest waiter.
    if (this.queue.length > 0 && this.connections.size < this.maxConnections) {
      (this.open()).dispatch(this.queue.shift() as UpstreamRequest);
    }
    if (this.connections.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
    this.checkClosed();
  }

  /**
   * ConnectionOwner: send `req` again (its reused socket died before any response byte). It goes to
   * the head of the queue, past the bound it was already admitted under, and takes the slot the dead
   * socket frees in removed(), which opens a new socket for it.
   */
  retry(req: UpstreamRequest): void {
    this.retries++;
    req.state = RequestState.Queued;
    this.queue.unshift(req);
  }

  /** RequestOwner: an aborted request leaves the wait queue. */
  dequeue(req: UpstreamRequest): void {
    this.queue.remove(req);
    this.checkClosed();
  }

  private takeConnection(): Connection | null {
    const conn = this.idleStack.pop();
    if (conn !== undefined) return conn;
    return this.connections.size < this.maxConnections ? this.open() : null;
  }

  private open(): Connection {
    if (this.sweeper === null) {
      this.now = performance.now();
      this.sweeper = setInterval(() => this.sweep(), this.sweepMs);
      this.sweeper.unref();
    }
    const conn = new Connection(this, this.host, this.port, this.maxHeaderSize);
    this.connections.add(conn);
    return conn;
  }

  private sweep(): void {
    const now = performance.now();
    this.now = now;
    for (const conn of this.connections) {
      if (conn.deadline !== 0 && now >= conn.deadline) conn.timeout();
    }
  }

  private checkClosed(): void {
    if (this.closing && this.connections.size === 0 && this.queue.length === 0 && this.resolveClosed !== null) {
      this.resolveClosed();
      this.resolveClosed = null;
    }
  }
}
