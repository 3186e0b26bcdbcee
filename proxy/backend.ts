/**
 * One backend of one app: its address, its keep-alive pool, its in-flight count, whether it still
 * takes new requests, and passive health (a refused connect puts it in a back-off during which the
 * balancer skips it).
 */
import { UpstreamPool } from './upstream/index.js';
import type { PoolOptions } from './upstream/index.js';

/** ready: takes new requests; draining: removed from the router list, finishing what it has; closed: pool closed. */
export type BackendState = 'ready' | 'draining' | 'closed';

/** First back-off after a refused connect (ms); it doubles on each further refusal up to the max. */
export const BACKOFF_INITIAL_MS = 1_000;
/** Longest back-off (ms). */
export const BACKOFF_MAX_MS = 10_000;

/** Pool settings shared by every backend (everything but the address). */
export type BackendPoolOptions = Omit<PoolOptions, 'host' | 'port'>;

/** Splits `host:port` / `[v6]:port`; undefined when it is not one. */
export function parseAddress(address: string): { host: string; port: number } | undefined {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535 || host === '') return undefined;
  return { host, port };
}

/** A backend address with its pool and counters. */
export class Backend {
  readonly address: string;
  readonly pool: UpstreamPool;
  state: BackendState = 'ready';
  /** Requests on this backend now from this thread (picked and not finished); its pool closes at 0 once draining. */
  inFlight = 0;
  /**
   * The same count in a cell the main thread can read (one element, Atomics): a private array with
   * one thread, this thread's row of a SharedArrayBuffer with workers (proxy/workers/).
   */
  readonly sharedInFlight: Int32Array;
  /** Requests sent here since it was added. */
  requests = 0;
  /** Connects refused or timed out since it was added (passive health, reported in telemetry). */
  refusals = 0;
  /** `performance.now()` before which the balancer skips this backend; 0 = healthy. */
  backoffUntil = 0;
  private backoffMs = BACKOFF_INITIAL_MS;

  /** Throws when `address` is not `host:port` (router lists are validated before this). */
  constructor(address: string, options: BackendPoolOptions, sharedInFlight: Int32Array = new Int32Array(1)) {
    const parsed = parseAddress(address);
    if (parsed === undefined) throw new TypeError(`invalid backend address ${JSON.stringify(address)}`);
    this.address = address;
    this.sharedInFlight = sharedInFlight;
    this.pool = new UpstreamPool({ ...options, host: parsed.host, port: parsed.port });
  }

  /** A connect failed at `now` (ms): skip this backend for the current back-off, then double it. */
  markRefused(now: number): void {
    this.refusals++;
    this.backoffUntil = now + this.backoffMs;
    this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
  }

  /** The backend answered: it is healthy again. */
  markHealthy(): void {
    if (this.backoffUntil !== 0) {
      this.backoffUntil = 0;
      this.backoffMs = BACKOFF_INITIAL_MS;
    }
  }

  /** A request was sent here. */
  acquire(): void {
    this.inFlight++;
    this.requests++;
    Atomics.add(this.sharedInFlight, 0, 1);
  }

  /** One request finished here; a draining backend closes its pool after its last one. */
  release(): void {
    this.inFlight--;
    Atomics.sub(this.sharedInFlight, 0, 1);
    if (this.state === 'draining' && this.inFlight === 0) this.close();
  }

  /**
   * The main thread's copy of a backend that worker threads serve: takes the in-flight count summed
   * over the workers; a draining copy closes at 0 (its pool was never used), so telemetry lists a
   * draining backend exactly as long as some worker still has requests on it.
   */
  observeInFlight(total: number): void {
    this.inFlight = total;
    if (this.state === 'draining' && total === 0) this.close();
  }

  /** Stops new requests; the pool closes once in-flight ones finish. */
  drain(): void {
    if (this.state !== 'ready') return;
    this.state = 'draining';
    if (this.inFlight === 0) this.close();
  }

  /** Cuts every connection now (shutdown past its deadline). */
  destroy(): Promise<void> {
    this.state = 'closed';
    return this.pool.destroy();
  }

  private close(): void {
    this.state = 'closed';
    void this.pool.close();
  }
}
