/**
 * The Store contract: the only state Vortex's parts share (design.md §3).
 *
 * Semantics follow etcd v3 exactly, so that EmbeddedStore, EtcdStore talking to a Vortex store's gRPC
 * server, and EtcdStore talking to a real etcd give the same answers, revisions and versions included:
 * - one global revision, incremented once per write transaction that changes something (a put always
 *   does; a delete only when it removes at least one key; a read-only txn never does);
 * - per key: createRevision (revision of the put that created the current generation), modRevision
 *   (revision of its last put), version (puts since creation, 1 on create, reset by delete);
 * - a key range is `[key, rangeEnd)`; no `rangeEnd` means the single key `key`; a `rangeEnd` of one
 *   zero byte (`ALL_KEYS_FROM`) means every key `>= key`; {@link prefixRange} builds a prefix range.
 *
 * Keys and values are bytes at this layer; `store/records` adds JSON, zod schemas and indexes.
 */

/** A key or value as callers may pass it: strings are encoded as UTF-8. */
export type Bytes = string | Uint8Array;

/** Lease IDs are int64 on the wire; a decimal string keeps them exact. "0" means "no lease". */
export type LeaseId = string;

export const NO_LEASE: LeaseId = '0';

/** A `rangeEnd` meaning "every key from `key` on" (etcd's `\0`). */
export const ALL_KEYS_FROM = new Uint8Array([0]);

export interface KeyValue {
  key: Buffer;
  value: Buffer;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: LeaseId;
}

/** Selects one key, or the half-open range `[key, rangeEnd)`. */
export interface KeySelector {
  key: Bytes;
  rangeEnd?: Bytes;
}

export type SortOrder = 'none' | 'ascend' | 'descend';
export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';

export interface RangeRequest extends KeySelector {
  /** At most this many keys (0 or absent: no limit); `more` tells whether keys were left out. */
  limit?: number;
  /** Read the store as it was at this revision (0 or absent: now). Compacted revisions throw. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  keysOnly?: boolean;
  countOnly?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** Number of keys in the range, before `limit`. */
  count: number;
  more: boolean;
  /** The store's revision when the read was served. */
  revision: number;
}

export interface PutOptions {
  lease?: LeaseId;
  prevKv?: boolean;
}

export interface PutResult {
  revision: number;
  prevKv?: KeyValue;
}

export interface DeleteOptions {
  prevKv?: boolean;
}

export interface DeleteResult {
  revision: number;
  deleted: number;
  prevKvs: KeyValue[];
}

export type CompareTarget = 'value' | 'version' | 'create' | 'mod' | 'lease';
export type CompareResult = 'equal' | 'not_equal' | 'greater' | 'less';

/**
 * One condition of a txn. `version`, `create` and `mod` compare numbers, `value` compares bytes,
 * `lease` compares lease IDs. A missing key has version, createRevision, modRevision 0 and lease "0";
 * a `value` compare against a missing key is false. With `rangeEnd`, every key in the range must match.
 */
export type Compare = KeySelector & { result: CompareResult } & (
    | { target: 'value'; value: Bytes }
    | { target: 'version' | 'create' | 'mod'; value: number }
    | { target: 'lease'; value: LeaseId }
  );

export type TxnOp =
  | ({ op: 'range' } & RangeRequest)
  | ({ op: 'put'; key: Bytes; value: Bytes } & PutOptions)
  | ({ op: 'delete' } & KeySelector & DeleteOptions);

export type TxnOpResult =
  | ({ op: 'range' } & RangeResult)
  | ({ op: 'put' } & PutResult)
  | ({ op: 'delete' } & DeleteResult);

export interface TxnRequest {
  compare?: Compare[];
  success?: TxnOp[];
  failure?: TxnOp[];
}

export interface TxnResult {
  succeeded: boolean;
  /** The revision after the txn: unchanged when it wrote nothing. */
  revision: number;
  responses: TxnOpResult[];
}

export type WatchFilter = 'noput' | 'nodelete';

export interface WatchRequest extends KeySelector {
  /** Replay history from this revision (inclusive); absent: only changes after now. */
  startRevision?: number;
  prevKv?: boolean;
  filters?: WatchFilter[];
}

export interface WatchEvent {
  type: 'put' | 'delete';
  /** For a delete: the key with modRevision = the delete's revision and an empty value. */
  kv: KeyValue;
  prevKv?: KeyValue;
}

/**
 * All events of one write txn that fall in the watched range, in the order the txn made the changes
 * (etcd's sub-revision order: ops in request order, a range delete's keys in key order).
 */
export interface WatchBatch {
  revision: number;
  events: WatchEvent[];
}

/**
 * A running watch. Batches arrive in revision order with no gap and no duplicate. If the watch
 * started at (or fell behind to) a compacted revision, iteration throws `CompactedError`
 * (its `compactRevision` tells where history begins). `cancel()` ends iteration cleanly.
 */
export interface Watcher extends AsyncIterable<WatchBatch> {
  cancel(): void;
}

export interface LeaseGrant {
  id: LeaseId;
  ttlSeconds: number;
}

export interface LeaseTimeToLive {
  id: LeaseId;
  /** Seconds left; -1 when the lease does not exist (etcd's answer, not an error). */
  ttlSeconds: number;
  grantedTtlSeconds: number;
  keys: Buffer[];
}

export interface Store {
  get(key: Bytes, options?: { revision?: number }): Promise<KeyValue | undefined>;
  range(request: RangeRequest): Promise<RangeResult>;
  put(key: Bytes, value: Bytes, options?: PutOptions): Promise<PutResult>;
  delete(selector: KeySelector, options?: DeleteOptions): Promise<DeleteResult>;
  txn(request: TxnRequest): Promise<TxnResult>;
  /** Drop history before `revision`; reads and watches below it throw `CompactedError`. */
  compact(revision: number): Promise<void>;
  watch(request: WatchRequest): Watcher;

  /** Grant a lease; `id` asks for a specific ID (etcd allows it), otherwise the store picks one. */
  grant(ttlSeconds: number, options?: { id?: LeaseId }): Promise<LeaseGrant>;
  /** Renew once; returns the TTL it was renewed to. Throws `LeaseNotFoundError` when gone. */
  keepAlive(id: LeaseId): Promise<number>;
  /** Revoke and delete every key attached. Throws `LeaseNotFoundError` when gone. */
  revoke(id: LeaseId): Promise<void>;
  timeToLive(id: LeaseId, options?: { keys?: boolean }): Promise<LeaseTimeToLive>;
  leases(): Promise<LeaseId[]>;

  close(): Promise<void>;
}

/** The range that holds every key starting with `prefix` (etcd's prefix end: last byte + 1). */
export function prefixRange(prefix: Bytes): KeySelector {
  const start = toBuffer(prefix);
  return { key: start, rangeEnd: prefixEnd(start) };
}

/** The smallest key greater than every key with this prefix; `ALL_KEYS_FROM` if there is none. */
export function prefixEnd(prefix: Bytes): Uint8Array {
  const end = Buffer.from(toBuffer(prefix));
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return ALL_KEYS_FROM;
}

export function toBuffer(bytes: Bytes): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
