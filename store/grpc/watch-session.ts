/**
 * One Watch bidi stream: many watches multiplexed by watch_id, as etcd's v3rpc watchServer does.
 * Every watch gets a `created` response before its events; a watch from a compacted revision then
 * gets a response with `compact_revision` and `canceled`; `cancel_request` answers `canceled`.
 * Writes wait for the stream to drain, so a slow client slows its own watches, not the server.
 */
import { once } from 'node:events';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { CompactedError } from '../errors.js';
import type { Store, WatchEvent, WatchFilter, Watcher } from '../store.js';
import { encodeKeyValue, header, int64 } from './codec.js';
import type { ServerIdentity } from './codec.js';
import { toGrpcStatus, wireMessage } from './status.js';
import type { WatchCreateRequest__Output } from '../../proto/gen/etcdserverpb/WatchCreateRequest.js';
import type { WatchRequest__Output } from '../../proto/gen/etcdserverpb/WatchRequest.js';
import type { WatchResponse } from '../../proto/gen/etcdserverpb/WatchResponse.js';
import type { Event } from '../../proto/gen/mvccpb/Event.js';

/** More watches than this on one stream are refused (created + canceled); etcd has no limit. */
export const MAX_WATCHES_PER_STREAM = 10_000;

/** etcd's watch id for "no watch": failed creates and progress notifications carry it. */
const INVALID_WATCH_ID = '-1';

interface ActiveWatch {
  watcher: Watcher;
  /** The revision up to which this watch has sent everything; progress reports never exceed it. */
  delivered: number;
}

function encodeEvent(event: WatchEvent): Event {
  return {
    type: event.type === 'put' ? 'PUT' : 'DELETE',
    kv: encodeKeyValue(event.kv),
    prev_kv: event.prevKv ? encodeKeyValue(event.prevKv) : null,
  };
}

function decodeFilters(filters: readonly string[]): WatchFilter[] {
  return filters.map((f) => (f === 'NOPUT' ? 'noput' : 'nodelete'));
}

/** Serves one Watch stream until the client ends or cancels it; then cancels every watch. */
export class WatchSession {
  readonly #store: Store;
  readonly #identity: ServerIdentity;
  readonly #call: ServerDuplexStream<WatchRequest__Output, WatchResponse>;
  readonly #currentRevision: () => Promise<number>;
  readonly #watches = new Map<string, ActiveWatch>();
  readonly #closed = new AbortController();
  #nextId = 0;

  constructor(
    store: Store,
    identity: ServerIdentity,
    call: ServerDuplexStream<WatchRequest__Output, WatchResponse>,
    currentRevision: () => Promise<number>,
  ) {
    this.#store = store;
    this.#identity = identity;
    this.#call = call;
    this.#currentRevision = currentRevision;
    const close = (): void => this.#closed.abort();
    call.on('cancelled', close);
    call.on('close', close);
    call.on('error', close);
  }

  /** Reads requests until the stream ends; never rejects. */
  async run(): Promise<void> {
    try {
      for await (const request of this.#call as AsyncIterable<WatchRequest__Output>) {
        if (this.#closed.signal.aborted) break;
        if (request.create_request) await this.#create(request.create_request);
        else if (request.cancel_request) await this.#cancel(int64(request.cancel_request.watch_id, 'watch_id'));
        else if (request.progress_request) await this.#progress();
      }
    } catch {
      // A reset or malformed stream: fall through and release every watch.
    } finally {
      for (const active of this.#watches.values()) active.watcher.cancel();
      this.#watches.clear();
      this.#closed.abort();
      if (!this.#call.destroyed) this.#call.end();
    }
  }

  async #create(req: WatchCreateRequest__Output): Promise<void> {
    const requested = int64(req.watch_id, 'watch_id');
    const rangeEnd = req.range_end.length > 0 ? req.range_end : undefined;
    const refuse = async (reason: string): Promise<void> =>
      this.#send({
        header: header(this.#identity, await this.#currentRevision()),
        watch_id: INVALID_WATCH_ID,
        created: true,
        canceled: true,
        cancel_reason: reason,
      });
    const fromKey = rangeEnd?.length === 1 && rangeEnd[0] === 0;
    if (rangeEnd && !fromKey && Buffer.compare(req.key, rangeEnd) >= 0) return refuse('mvcc: watcher range is empty');
    if (requested !== 0 && this.#watches.has(String(requested))) {
      return refuse('mvcc: duplicate watch ID provided on the WatchStream');
    }
    if (this.#watches.size >= MAX_WATCHES_PER_STREAM) return refuse(`too many watches on one stream (${MAX_WATCHES_PER_STREAM})`);

    // Read the revision first and watch from the next one: the created header then tells exactly
    // where the events start, which etcd3 relies on when it resumes a watch after a reconnect.
    const revision = await this.#currentRevision();
    const startRevision = int64(req.start_revision, 'start_revision');
    let watcher: Watcher;
    try {
      watcher = this.#store.watch({
        key: req.key,
        ...(rangeEnd ? { rangeEnd } : {}),
        startRevision: startRevision > 0 ? startRevision : revision + 1,
        prevKv: req.prev_kv,
        filters: decodeFilters(req.filters),
      });
    } catch (err) {
      return refuse(toGrpcStatus(err).details ?? 'watch refused');
    }
    const id = String(requested !== 0 ? requested : this.#autoId());
    const active: ActiveWatch = { watcher, delivered: revision };
    this.#watches.set(id, active);
    await this.#send({ header: header(this.#identity, revision), watch_id: id, created: true });
    void this.#pump(id, active);
  }

  /** etcd's auto ids start at 0 and skip ids the client chose itself. */
  #autoId(): number {
    while (this.#watches.has(String(this.#nextId))) this.#nextId++;
    return this.#nextId++;
  }

  async #pump(id: string, active: ActiveWatch): Promise<void> {
    try {
      for await (const batch of active.watcher) {
        if (this.#watches.get(id) !== active) return;
        active.delivered = batch.revision;
        await this.#send({
          header: header(this.#identity, batch.revision),
          watch_id: id,
          events: batch.events.map(encodeEvent),
        });
      }
      // The store ended a watch nobody cancelled (it is closing): tell the client instead of going quiet.
      if (this.#watches.get(id) !== active) return;
      this.#watches.delete(id);
      await this.#send({
        header: header(this.#identity, active.delivered),
        watch_id: id,
        canceled: true,
        cancel_reason: wireMessage('VX_STORE_CLOSED'),
      });
    } catch (err) {
      if (this.#watches.get(id) !== active) return;
      this.#watches.delete(id);
      const compacted = err instanceof CompactedError;
      await this.#send({
        header: header(this.#identity, active.delivered),
        watch_id: id,
        canceled: true,
        compact_revision: compacted ? String(err.compactRevision) : '0',
        cancel_reason: compacted ? wireMessage('VX_STORE_COMPACTED') : (toGrpcStatus(err).details ?? ''),
      });
    }
  }

  async #cancel(id: number): Promise<void> {
    const active = this.#watches.get(String(id));
    if (!active) return; // etcd answers nothing for an unknown id
    this.#watches.delete(String(id));
    active.watcher.cancel();
    await this.#send({ header: header(this.#identity, active.delivered), watch_id: String(id), canceled: true });
  }

  /** A progress notification at a revision every watch on the stream has fully delivered. */
  async #progress(): Promise<void> {
    let revision = await this.#currentRevision();
    for (const active of this.#watches.values()) revision = Math.min(revision, active.delivered);
    await this.#send({ header: header(this.#identity, revision), watch_id: INVALID_WATCH_ID });
  }

  async #send(response: WatchResponse): Promise<void> {
    if (this.#closed.signal.aborted) return;
    if (this.#call.write(response)) return;
    try {
      await once(this.#call, 'drain', { signal: this.#closed.signal });
    } catch {
      // The stream closed while waiting: nothing left to deliver to.
    }
  }
}
