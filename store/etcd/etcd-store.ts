/**
 * EtcdStore: the Store contract over the `etcd3` npm client, for a real etcd cluster and for a Vortex
 * store's gRPC server alike. It speaks etcd3's raw RPC wrappers (`kv`, `leaseClient`, `watchClient`)
 * because the builders cannot express every Store call (sort + limit + revision in one range, compares
 * on lease, `compact_revision` on watches). etcd's errors become StoreError classes by message.
 */
import { Etcd3 } from 'etcd3';
import type { IOptions } from 'etcd3';
import { CompactedError, FutureRevisionError, LeaseNotFoundError, StoreClosedError, StoreError, StoreUnavailableError } from '../errors.js';
import { NO_LEASE, toBuffer } from '../store.js';
import type {
  Bytes,
  DeleteOptions,
  DeleteResult,
  KeySelector,
  KeyValue,
  LeaseGrant,
  LeaseId,
  LeaseTimeToLive,
  PutOptions,
  PutResult,
  RangeRequest,
  RangeResult,
  Store,
  TxnRequest,
  TxnResult,
  WatchRequest,
  Watcher,
} from '../store.js';
import { storeErrorFromMessage, wireMessage } from '../grpc/status.js';
import type { ErrorContext } from '../grpc/status.js';
import { decodeDelete, decodeOpResult, decodePut, decodeRange, encodeCompare, encodeOp, encodeRange } from './etcd-codec.js';
import { EtcdWatcher } from './etcd-watcher.js';
import { KeepAliveChannel } from './keep-alive-channel.js';

/** Where the etcd cluster (or Vortex store server) is and how to call it. */
export interface EtcdStoreOptions {
  /** `host:port` of each etcd member (or of one Vortex store server). */
  endpoints: string[];
  /** Deadline for each unary call, in ms; default 5,000. Streams (watch, keep-alive) have none. */
  callTimeoutMs?: number;
  /** Extra etcd3 client options (credentials, auth, grpcOptions, faultHandling). */
  client?: Omit<IOptions, 'hosts'>;
}

/** How long the compaction probe waits for etcd's compacted answer, in ms. */
const COMPACT_PROBE_TIMEOUT_MS = 2_000;

/**
 * etcd3 wraps every call in a retry and a per-host circuit breaker that opens for 5 s after three
 * "recoverable" errors (RESOURCE_EXHAUSTED included). Store callers do their own retrying, and a
 * breaker tripped by three oversized puts would fail unrelated calls, so calls go straight through.
 * `execute` must return a promise, as cockatiel's does: etcd3's markFailed (run from a failing watch
 * stream's 'error' listener) throws into it and relies on `.catch()`; a synchronous throw there was an
 * uncaught exception that killed the process whenever the store went away under a watch.
 */
const passThrough = { execute: async <T>(fn: (ctx: unknown) => T): Promise<Awaited<T>> => await fn({}) };

/** A Store backed by etcd v3 through the etcd3 client. */
export class EtcdStore implements Store {
  readonly #client: Etcd3;
  readonly #keepAlives: KeepAliveChannel;
  readonly #watchers = new Set<EtcdWatcher>();
  #closed = false;

  constructor(options: EtcdStoreOptions) {
    if (options.endpoints.length === 0) throw new StoreUnavailableError('EtcdStore needs at least one endpoint');
    const callTimeoutMs = options.callTimeoutMs ?? 5_000;
    const faultHandling = { host: () => passThrough, global: passThrough } as unknown as IOptions['faultHandling'];
    this.#client = new Etcd3({
      faultHandling,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
      ...options.client,
      // etcd sends responses of any size (a range over many keys can pass grpc-js's 4 MiB default).
      grpcOptions: { 'grpc.max_receive_message_length': -1, ...options.client?.grpcOptions },
      hosts: options.endpoints,
    });
    this.#keepAlives = new KeepAliveChannel(this.#client.leaseClient);
  }

  async get(key: Bytes, options: { revision?: number } = {}): Promise<KeyValue | undefined> {
    const result = await this.range({ key, ...(options.revision ? { revision: options.revision } : {}) });
    return result.kvs[0];
  }

  async range(request: RangeRequest): Promise<RangeResult> {
    return this.#call(async () => decodeRange(await this.#client.kv.range(encodeRange(request))), { revision: request.revision });
  }

  async put(key: Bytes, value: Bytes, options: PutOptions = {}): Promise<PutResult> {
    const k = toBuffer(key);
    const v = toBuffer(value);
    const lease = options.lease ?? NO_LEASE;
    return this.#call(
      async () => decodePut(await this.#client.kv.put({ key: k, value: v, lease, prev_kv: options.prevKv ?? false })),
      { leaseId: lease, requestBytes: k.length + v.length },
    );
  }

  async delete(selector: KeySelector, options: DeleteOptions = {}): Promise<DeleteResult> {
    return this.#call(async () =>
      decodeDelete(
        await this.#client.kv.deleteRange({
          key: toBuffer(selector.key),
          ...(selector.rangeEnd !== undefined ? { range_end: toBuffer(selector.rangeEnd) } : {}),
          prev_kv: options.prevKv ?? false,
        }),
      ),
    );
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    const ops = [...(request.success ?? []), ...(request.failure ?? [])];
    const leaseId = ops.find((op) => op.op === 'put' && op.lease && op.lease !== NO_LEASE);
    const revision = ops.flatMap((op) => (op.op === 'range' && op.revision ? [op.revision] : []))[0];
    return this.#call(
      async () => {
        const res = await this.#client.kv.txn({
          compare: (request.compare ?? []).map(encodeCompare),
          success: (request.success ?? []).map(encodeOp),
          failure: (request.failure ?? []).map(encodeOp),
        });
        return { succeeded: res.succeeded, revision: Number(res.header.revision), responses: res.responses.map(decodeOpResult) };
      },
      { ...(leaseId?.op === 'put' ? { leaseId: leaseId.lease } : {}), ...(revision ? { revision } : {}) },
    );
  }

  async compact(revision: number): Promise<void> {
    // physical: wait until etcd has dropped the history, so the call means what the contract says.
    await this.#call(() => this.#client.kv.compact({ revision, physical: true }), { revision });
  }

  watch(request: WatchRequest): Watcher {
    if (this.#closed) throw new StoreClosedError();
    const watcher = new EtcdWatcher(
      this.#client.watchClient,
      request,
      (reason, cause) => this.#mapSync(reason, cause),
      () => this.#watchers.delete(watcher),
    );
    this.#watchers.add(watcher);
    return watcher;
  }

  async grant(ttlSeconds: number, options: { id?: LeaseId } = {}): Promise<LeaseGrant> {
    const id = options.id ?? NO_LEASE;
    return this.#call(
      async () => {
        const res = await this.#client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: id });
        return { id: res.ID, ttlSeconds: Number(res.TTL) };
      },
      { leaseId: id },
    );
  }

  async keepAlive(id: LeaseId): Promise<number> {
    const ttl = await this.#call(() => this.#keepAlives.renew(id), { leaseId: id });
    // etcd answers a keep-alive for a lease that is gone with TTL 0.
    if (ttl <= 0) throw new LeaseNotFoundError(id);
    return ttl;
  }

  async revoke(id: LeaseId): Promise<void> {
    await this.#call(() => this.#client.leaseClient.leaseRevoke({ ID: id }), { leaseId: id });
  }

  async timeToLive(id: LeaseId, options: { keys?: boolean } = {}): Promise<LeaseTimeToLive> {
    return this.#call(
      async () => {
        const res = await this.#client.leaseClient.leaseTimeToLive({ ID: id, keys: options.keys ?? false });
        return { id, ttlSeconds: Number(res.TTL), grantedTtlSeconds: Number(res.grantedTTL), keys: res.keys ?? [] };
      },
      { leaseId: id },
    );
  }

  async leases(): Promise<LeaseId[]> {
    return this.#call(async () => (await this.#client.leaseClient.leaseLeases()).leases.map((l) => l.ID));
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const watcher of [...this.#watchers]) watcher.cancel();
      this.#keepAlives.close();
      this.#client.close();
    }
    return Promise.resolve();
  }

  /** Runs one call, turning etcd's errors into StoreErrors (some need a follow-up read to be exact). */
  async #call<T>(fn: () => Promise<T>, context: ErrorContext & { revision?: number } = {}): Promise<T> {
    if (this.#closed) throw new StoreClosedError();
    try {
      return await fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message.includes(wireMessage('VX_STORE_COMPACTED'))) throw new CompactedError(await this.#compactRevision());
      if (message.includes(wireMessage('VX_STORE_FUTURE_REVISION'))) {
        throw new FutureRevisionError(context.revision ?? 0, await this.#currentRevision());
      }
      throw this.#mapSync(message, err, context);
    }
  }

  #mapSync(message: string, cause: unknown, context: ErrorContext = {}): Error {
    if (this.#closed) return new StoreClosedError();
    if (message.includes(wireMessage('VX_STORE_COMPACTED'))) return new CompactedError(0);
    const mapped = storeErrorFromMessage(message, context);
    if (mapped) return mapped;
    if (cause instanceof StoreError) return cause;
    // Whatever is left is transport trouble (UNAVAILABLE, deadline, reset, closed channel).
    return new StoreUnavailableError(`etcd call failed: ${message}`, { cause });
  }

  async #currentRevision(): Promise<number> {
    return (await this.range({ key: Buffer.from([0]), countOnly: true })).revision;
  }

  /**
   * etcd's "compacted" error carries no revision; a watch from revision 1 is answered with the
   * compaction revision, so ask that (only ever after a compacted error, so 1 is always gone).
   */
  async #compactRevision(): Promise<number> {
    const probe = this.watch({ key: Buffer.from([0]), startRevision: 1 });
    const timer = setTimeout(() => probe.cancel(), COMPACT_PROBE_TIMEOUT_MS).unref();
    try {
      for await (const _ of probe) break;
      return 0;
    } catch (err) {
      return err instanceof CompactedError ? err.compactRevision : 0;
    } finally {
      clearTimeout(timer);
      probe.cancel();
    }
  }
}
