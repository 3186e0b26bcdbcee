/**
 * A Store Watcher over one etcd Watch stream, opened with etcd3's low-level WatchClient: etcd3's
 * watch builder drops `compact_revision`, which a Store watcher must report. Events are regrouped
 * into one batch per revision (etcd may pack several revisions into one response, never split one).
 * A broken stream is reopened from the revision after the last batch delivered, so the consumer sees
 * no gap and no duplicate; after {@link MAX_RECONNECTS} failures in a row the watcher fails.
 */
import type { IDuplexStream, IEvent, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3';
import { CompactedError, StoreUnavailableError } from '../errors.js';
import { toBuffer } from '../store.js';
import type { WatchBatch, WatchEvent, WatchRequest, Watcher } from '../store.js';
import { BatchQueue } from './batch-queue.js';
import { decodeKeyValue } from './etcd-codec.js';

/** Reconnect attempts without a successful `created` in between before the watcher fails. */
export const MAX_RECONNECTS = 8;
/** First reconnect delay; doubles per failed attempt up to {@link MAX_RECONNECT_DELAY_MS}. */
const FIRST_RECONNECT_DELAY_MS = 100;
const MAX_RECONNECT_DELAY_MS = 2_000;

/** etcd's FilterType numbers (NOPUT = 0, NODELETE = 1). */
const FILTER_NUMBERS = { noput: 0, nodelete: 1 } as const;

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

/** Splits one response's events into batches, one per revision, in order. */
export function batchesOf(events: readonly IEvent[], decodeError: (why: string) => Error): WatchBatch[] {
  const batches: WatchBatch[] = [];
  for (const event of events) {
    const kv = decodeKeyValue(event.kv);
    const converted: WatchEvent = { type: event.type === 'Delete' ? 'delete' : 'put', kv };
    if (event.prev_kv) converted.prevKv = decodeKeyValue(event.prev_kv);
    const last = batches.at(-1);
    if (last && last.revision === kv.modRevision) last.events.push(converted);
    else if (last && last.revision > kv.modRevision) throw decodeError(`event revision ${kv.modRevision} after ${last.revision}`);
    else batches.push({ revision: kv.modRevision, events: [converted] });
  }
  return batches;
}

/** Turns a cancel reason or stream error into the error the watcher throws. */
export type WatchErrorMapper = (reason: string, cause?: unknown) => Error;

/** A Watcher over a dedicated etcd Watch stream. */
export class EtcdWatcher implements Watcher {
  readonly #client: WatchClient;
  readonly #request: WatchRequest;
  readonly #mapError: WatchErrorMapper;
  readonly #queue: BatchQueue;
  readonly #onFinish: () => void;
  #stream: WatchStream | undefined;
  /** The next revision to ask for when (re)opening the stream; 0 means "from now". */
  #nextRevision: number;
  #failures = 0;
  #cancelled = false;

  /** `onFinish` runs once when the watcher ends, by cancel or by failure. */
  constructor(client: WatchClient, request: WatchRequest, mapError: WatchErrorMapper, onFinish: () => void = () => {}) {
    this.#onFinish = onFinish;
    this.#client = client;
    this.#request = request;
    this.#mapError = mapError;
    this.#nextRevision = request.startRevision ?? 0;
    this.#queue = new BatchQueue({
      pause: () => (this.#stream as unknown as { pause?: () => void } | undefined)?.pause?.(),
      resume: () => (this.#stream as unknown as { resume?: () => void } | undefined)?.resume?.(),
    });
    void this.#open();
  }

  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#queue.clear();
    this.#closeStream();
    this.#onFinish();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchBatch> {
    const inner = this.#queue[Symbol.asyncIterator]();
    return {
      next: () => inner.next(),
      return: () => {
        this.cancel();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  async #open(): Promise<void> {
    if (this.#cancelled || this.#queue.done) return;
    let stream: WatchStream;
    try {
      stream = await this.#client.watch();
    } catch (err) {
      return this.#retry(err);
    }
    if (this.#cancelled) {
      this.#endStream(stream);
      return;
    }
    this.#stream = stream;
    let created = false;
    stream.on('data', (res) => {
      if (this.#stream !== stream) return;
      if (res.created && !res.canceled) {
        created = true;
        this.#failures = 0;
        // Without a start revision, "now" is the created header's revision: resume after it.
        if (this.#nextRevision === 0) this.#nextRevision = Number(res.header.revision) + 1;
        return;
      }
      if (res.canceled) return this.#fail(res);
      if (res.events.length === 0) {
        // A progress notification: everything up to header.revision has been sent, so a reconnect
        // may start after it (keeps a quiet watch from resuming below a later compaction).
        this.#nextRevision = Math.max(this.#nextRevision, Number(res.header.revision) + 1);
        return;
      }
      this.#deliver(res);
    });
    const broken = (err: unknown): void => {
      if (this.#stream !== stream) return;
      this.#stream = undefined;
      void this.#retry(err, created);
    };
    stream.on('error', broken);
    stream.on('end', () => broken(new Error('watch stream ended')));
    const r = this.#request;
    stream.write({
      create_request: {
        key: toBuffer(r.key),
        ...(r.rangeEnd !== undefined ? { range_end: toBuffer(r.rangeEnd) } : {}),
        start_revision: this.#nextRevision,
        prev_kv: r.prevKv ?? false,
        progress_notify: true,
        filters: (r.filters ?? []).map((f) => FILTER_NUMBERS[f]),
      },
    });
  }

  #deliver(res: IWatchResponse): void {
    let batches: WatchBatch[];
    try {
      batches = batchesOf(res.events, (why) => this.#mapError(`etcd sent events out of order: ${why}`));
    } catch (err) {
      this.#failWith(err);
      return;
    }
    for (const batch of batches) {
      // After a reconnect etcd replays from #nextRevision; anything older was already delivered.
      if (batch.revision < this.#nextRevision) continue;
      this.#nextRevision = batch.revision + 1;
      this.#queue.push(batch);
    }
  }

  #fail(res: IWatchResponse): void {
    const compactRevision = Number(res.compact_revision);
    this.#failWith(compactRevision > 0 ? new CompactedError(compactRevision) : this.#mapError(res.cancel_reason || 'watch canceled by the server'));
  }

  #failWith(err: unknown): void {
    this.#queue.fail(err);
    this.#closeStream();
    this.#onFinish();
  }

  async #retry(err: unknown, wasCreated = false): Promise<void> {
    if (this.#cancelled || this.#queue.done) return;
    if (wasCreated) this.#failures = 0;
    this.#failures++;
    if (this.#failures > MAX_RECONNECTS) {
      const why = err instanceof Error ? err.message : String(err);
      this.#failWith(new StoreUnavailableError(`watch stream lost after ${MAX_RECONNECTS} reconnects: ${why}`, { cause: err }));
      return;
    }
    const delay = Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** (this.#failures - 1), MAX_RECONNECT_DELAY_MS);
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
    return this.#open();
  }

  #closeStream(): void {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) this.#endStream(stream);
  }

  /** Ends our side first: etcd3 treats an error on a still-writable stream as a host failure. */
  #endStream(stream: WatchStream): void {
    stream.end();
    stream.cancel();
  }
}
