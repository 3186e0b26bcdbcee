/**
 * One shared LeaseKeepAlive stream for single renewals: etcd answers keep-alive requests on a stream
 * in the order they were sent, so a FIFO of waiters matches each answer to its caller. The stream
 * opens on first use and reopens after a failure (callers waiting then get the failure).
 */
import type { IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse, LeaseClient } from 'etcd3';

/** Renewals waiting for an answer on the stream; beyond this, callers are refused at once. */
export const MAX_PENDING_KEEPALIVES = 4096;

type Stream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;
type Waiter = { resolve: (ttl: number) => void; reject: (err: unknown) => void };

/** Sends single keep-alives over one stream and resolves each with the TTL etcd answered (0: gone). */
export class KeepAliveChannel {
  readonly #client: LeaseClient;
  #stream: Promise<Stream> | undefined;
  #current: Stream | undefined;
  readonly #waiters: Waiter[] = [];
  #closed = false;

  constructor(client: LeaseClient) {
    this.#client = client;
  }

  /** Renews `id` once; resolves with the new TTL in seconds, 0 when the lease no longer exists. */
  async renew(id: string): Promise<number> {
    if (this.#closed) throw new Error('keep-alive channel is closed');
    if (this.#waiters.length >= MAX_PENDING_KEEPALIVES) {
      throw new Error(`too many keep-alives in flight (${MAX_PENDING_KEEPALIVES})`);
    }
    this.#stream ??= this.#open().catch((err: unknown) => {
      this.#stream = undefined;
      throw err;
    });
    const stream = await this.#stream;
    return new Promise<number>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      stream.write({ ID: id });
    });
  }

  /** Fails waiting callers and closes the stream. */
  close(): void {
    this.#closed = true;
    this.#fail(new Error('keep-alive channel is closed'));
  }

  async #open(): Promise<Stream> {
    const stream = await this.#client.leaseKeepAlive();
    if (this.#closed) {
      endStream(stream);
      throw new Error('keep-alive channel is closed');
    }
    this.#current = stream;
    stream.on('data', (res) => this.#waiters.shift()?.resolve(Number(res.TTL)));
    stream.on('error', (err) => this.#fail(err, stream));
    stream.on('end', () => this.#fail(new Error('keep-alive stream ended'), stream));
    return stream;
  }

  #fail(err: unknown, from?: Stream): void {
    if (from && from !== this.#current) return;
    const stream = this.#current;
    this.#current = undefined;
    this.#stream = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(err);
    if (stream) endStream(stream);
  }
}

/** Ends our side first: etcd3 treats an error on a still-writable stream as a host failure. */
function endStream(stream: Stream): void {
  stream.end();
  stream.cancel();
}
