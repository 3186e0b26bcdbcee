/**
 * Typed records over any Store. A write validates the record, then in ONE txn puts the primary key,
 * deletes the index keys of values that changed and puts the new ones, guarded by a compare on the
 * primary's modRevision (optimistic concurrency: a concurrent writer makes the txn fail and the write
 * is retried on fresh data). So an index never points at a record that does not carry that value, on
 * the embedded store and on etcd alike. Index keys share the record's lease, so expiry removes both.
 *
 * Index layout: `vortex:index:<type>:<field>:<value>:<id>` with an empty value; `query` ranges over
 * `vortex:index:<type>:<field>:<value>:` and reads the primaries in one txn, no full scan.
 */
import type * as z from 'zod';
import { keys } from '../keys.js';
import type { Compare, KeyValue, LeaseId, Store, TxnOp } from '../store.js';
import { NO_LEASE, prefixRange } from '../store.js';
import { RecordConflictError, RecordValidationError } from './errors.js';
import type { RecordOf, RecordType } from './record-type.js';

/** A record as read, with the revision it was last written at (for compare-and-set). */
export interface Stored<T> {
  record: T;
  modRevision: number;
  lease: LeaseId;
}

export interface PutRecordOptions {
  lease?: LeaseId;
  /** Write only if the record is still at this modRevision (0: only if it does not exist). */
  expectModRevision?: number;
}

/** Optimistic writes retry this many times under contention before giving up. */
const MAX_ATTEMPTS = 16;
/** Primaries read per txn in `query` (etcd's default limit is 128 ops per txn). */
const READ_BATCH = 100;

export class Records {
  constructor(private readonly store: Store) {}

  primaryKey<T extends RecordType>(type: T, id: string): string {
    return `${type.prefix}${id}`;
  }

  /** Validates and writes a record with its index entries; resolves to the write's revision. */
  async put<T extends RecordType>(type: T, input: z.input<T['schema']>, options: PutRecordOptions = {}): Promise<number> {
    const record = this.#validate(type, input);
    const id = String(record[type.idField]);
    const key = this.primaryKey(type, id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.store.get(key);
      const currentRevision = current?.modRevision ?? 0;
      if (options.expectModRevision !== undefined && options.expectModRevision !== currentRevision) {
        throw new RecordConflictError(type.name, id, options.expectModRevision, currentRevision);
      }
      const previous = current ? decodeLenient(current) : undefined;
      const lease = options.lease ?? NO_LEASE;
      const ops: TxnOp[] = [{ op: 'put', key, value: JSON.stringify(record), lease }];
      for (const field of type.indexes) {
        const oldValue = indexValue(previous?.[field]);
        const newValue = indexValue(record[field]);
        // Same value: the put below re-attaches it to the new lease (etcd refuses a delete and a put of one key in a txn).
        if (oldValue !== undefined && oldValue !== newValue) ops.push({ op: 'delete', key: keys.index(type.name, field, oldValue, id) });
        if (newValue !== undefined) ops.push({ op: 'put', key: keys.index(type.name, field, newValue, id), value: '', lease });
      }
      const result = await this.store.txn({ compare: [modRevisionIs(key, currentRevision)], success: ops });
      if (result.succeeded) return result.revision;
      if (options.expectModRevision !== undefined) {
        const now = await this.store.get(key);
        throw new RecordConflictError(type.name, id, options.expectModRevision, now?.modRevision ?? 0);
      }
    }
    throw new RecordConflictError(type.name, id, undefined, undefined);
  }

  async get<T extends RecordType>(type: T, id: string): Promise<Stored<RecordOf<T>> | undefined> {
    const kv = await this.store.get(this.primaryKey(type, id));
    return kv ? this.decode(type, kv) : undefined;
  }

  /** Deletes a record and its index entries; false when it did not exist. */
  async delete<T extends RecordType>(type: T, id: string): Promise<boolean> {
    const key = this.primaryKey(type, id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.store.get(key);
      if (!current) return false;
      const previous = decodeLenient(current);
      const ops: TxnOp[] = [{ op: 'delete', key }];
      for (const field of type.indexes) {
        const value = indexValue(previous?.[field]);
        if (value !== undefined) ops.push({ op: 'delete', key: keys.index(type.name, field, value, id) });
      }
      const result = await this.store.txn({ compare: [modRevisionIs(key, current.modRevision)], success: ops });
      if (result.succeeded) return true;
    }
    throw new RecordConflictError(type.name, id, undefined, undefined);
  }

  /** Every record of the type (a prefix range). */
  async list<T extends RecordType>(type: T): Promise<Stored<RecordOf<T>>[]> {
    const { kvs } = await this.store.range(prefixRange(type.prefix));
    return kvs.map((kv) => this.decode(type, kv));
  }

  /** Records whose indexed fields equal the given values, found through the indexes. */
  async query<T extends RecordType>(type: T, where: Partial<Record<T['indexes'][number], string>>): Promise<Stored<RecordOf<T>>[]> {
    const criteria = Object.entries(where).filter((entry): entry is [string, string] => entry[1] !== undefined);
    if (criteria.length === 0) return this.list(type);
    let ids: Set<string> | undefined;
    for (const [field, value] of criteria) {
      if (!type.indexes.includes(field)) throw new TypeError(`record type ${type.name} has no index on "${field}"`);
      const prefix = keys.indexOfValue(type.name, field, value);
      const { kvs } = await this.store.range({ ...prefixRange(prefix), keysOnly: true });
      const found = new Set(kvs.map((kv) => decodeURIComponent(kv.key.toString('utf8').slice(prefix.length))));
      ids = ids === undefined ? found : new Set([...ids].filter((id) => found.has(id)));
    }
    const results: Stored<RecordOf<T>>[] = [];
    const wanted = [...(ids ?? [])].sort();
    for (let i = 0; i < wanted.length; i += READ_BATCH) {
      const batch = wanted.slice(i, i + READ_BATCH);
      const { responses } = await this.store.txn({ success: batch.map((id) => ({ op: 'range' as const, key: this.primaryKey(type, id) })) });
      for (const response of responses) {
        if (response.op !== 'range' || response.kvs.length === 0) continue;
        const stored = this.decode(type, response.kvs[0]!);
        // The primaries were read after the index: skip one that changed in between.
        if (criteria.every(([field, value]) => indexValue((stored.record as Record<string, unknown>)[field]) === value)) results.push(stored);
      }
    }
    return results;
  }

  /** Parses a primary key-value (e.g. from a watch event) into a typed record. */
  decode<T extends RecordType>(type: T, kv: KeyValue): Stored<RecordOf<T>> {
    let json: unknown;
    try {
      json = JSON.parse(kv.value.toString('utf8'));
    } catch (error) {
      throw new RecordValidationError(type.name, kv.key.toString('utf8'), ['value is not JSON'], { cause: error });
    }
    return { record: this.#validate(type, json, kv.key.toString('utf8')), modRevision: kv.modRevision, lease: kv.lease };
  }

  #validate<T extends RecordType>(type: T, input: unknown, key?: string): RecordOf<T> {
    const parsed = type.schema.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`);
      throw new RecordValidationError(type.name, key, problems);
    }
    return parsed.data as RecordOf<T>;
  }

}

/** The stored record's fields for index upkeep, even if it no longer validates (schema changed). */
function decodeLenient(kv: KeyValue): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(kv.value.toString('utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function indexValue(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function modRevisionIs(key: string, revision: number): Compare {
  return { key, target: 'mod', result: 'equal', value: revision };
}
