/**
 * Real backends on 127.0.0.1:0 for the upstream client's tests: node:http servers, raw `net` servers
 * that write hand-made (malformed, slow, truncated) responses, and a handler that records what the
 * client delivers. Everything started here is closed by the returned `close()`, or when the test
 * finishes for `startBackend` and `testPool`.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { UpstreamPool } from '../../proxy/upstream/index.js';
import type { PoolOptions, ResponseHead, UpstreamError, UpstreamHandler } from '../../proxy/upstream/index.js';

/** A started backend. */
export interface Backend {
  readonly port: number;
  /** Sockets accepted so far (keep-alive reuse shows as 1 for several requests). */
  readonly connections: () => number;
  close(): Promise<void>;
}

function track(server: net.Server): { count: () => number; sockets: Set<net.Socket> } {
  const sockets = new Set<net.Socket>();
  let count = 0;
  server.on('connection', (s: net.Socket) => {
    count++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return { count: () => count, sockets };
}

async function start(server: net.Server): Promise<Backend> {
  const { count, sockets } = track(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connections: count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A node:http backend. */
export function httpBackend(handler: http.RequestListener): Promise<Backend> {
  return start(http.createServer({ keepAliveTimeout: 30_000 }, handler));
}

/** A raw TCP backend: `onConnection` writes whatever bytes the test wants. */
export function rawBackend(onConnection: (socket: net.Socket) => void): Promise<Backend> {
  return start(net.createServer(onConnection));
}

/**
 * Calls `onRequest(socket, index)` for every complete request head read on a raw socket (requests
 * without bodies), `index` counting from 0 per socket. The test then answers by hand.
 */
export function onRequestHeads(socket: net.Socket, onRequest: (socket: net.Socket, index: number) => void): void {
  let buffered = '';
  let index = 0;
  socket.on('data', (d: Buffer) => {
    buffered += d.toString('latin1');
    let end = buffered.indexOf('\r\n\r\n');
    while (end !== -1) {
      buffered = buffered.slice(end + 4);
      onRequest(socket, index++);
      end = buffered.indexOf('\r\n\r\n');
    }
  });
  socket.on('error', () => undefined);
}

/** What a {@link Recorder} saw. */
export interface Recorded {
  status: number;
  statusText: string;
  headers: string[];
  contentLength: number;
  body: Buffer;
  trailers: string[];
  interim: number[];
}

/** An UpstreamHandler that records the response and settles `done` on onEnd/onError. */
export class Recorder implements UpstreamHandler {
  readonly seen: Recorded = { status: 0, statusText: '', headers: [], contentLength: -1, body: Buffer.alloc(0), trailers: [], interim: [] };
  readonly done: Promise<Recorded>;
  /** Every callback name in order, to check nothing follows onEnd/onError. */
  readonly calls: string[] = [];
  drains = 0;
  /** onData answers this (false = pause). */
  accept = true;
  bodyBytes = 0;
  private chunks: Buffer[] = [];
  private settle!: (r: Recorded) => void;
  private reject!: (e: UpstreamError) => void;

  /** @param keepBody false to only count body bytes (large transfers). */
  constructor(private readonly keepBody = true) {
    this.done = new Promise<Recorded>((resolve, reject) => {
      this.settle = resolve;
      this.reject = reject;
    });
    // Tests that expect a failure attach their own handler; avoid an unhandled rejection otherwise.
    this.done.catch(() => undefined);
  }

  onHead(head: ResponseHead): void {
    this.calls.push('head');
    this.seen.status = head.status;
    this.seen.statusText = head.statusText.toString('latin1');
    this.seen.headers = head.rawHeaders.map((b) => b.toString('latin1'));
    this.seen.contentLength = head.contentLength;
  }

  onData(chunk: Buffer): boolean {
    this.bodyBytes += chunk.length;
    if (this.keepBody) this.chunks.push(Buffer.from(chunk));
    return this.accept;
  }

  onEnd(trailers: Buffer[]): void {
    this.calls.push('end');
    this.seen.body = Buffer.concat(this.chunks);
    this.seen.trailers = trailers.map((b) => b.toString('latin1'));
    this.settle(this.seen);
  }

  onError(err: UpstreamError): void {
    this.calls.push(`error:${err.code}`);
    this.reject(err);
  }

  onInterim(status: number): void {
    this.seen.interim.push(status);
  }

  onDrain(): void {
    this.drains++;
  }

  /** Resolves with the error the request failed with (rejects if it succeeded). */
  async failure(): Promise<UpstreamError> {
    try {
      await this.done;
    } catch (err) {
      return err as UpstreamError;
    }
    throw new Error('expected the request to fail');
  }
}

/** The value of header `name` (case-insensitive) in a recorded name/value list. */
export function header(headers: string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]?.toLowerCase() === name) return headers[i + 1];
  return undefined;
}

/** Awaits a backend and closes it when the current test finishes. */
export async function startBackend(starting: Promise<Backend>): Promise<Backend> {
  const started = await starting;
  onTestFinished(() => started.close());
  return started;
}

/** A pool to 127.0.0.1:`port`, destroyed when the current test finishes (before the backends it talks to). */
export function testPool(port: number, options: Partial<PoolOptions> = {}): UpstreamPool {
  const pool = new UpstreamPool({ host: '127.0.0.1', port, ...options });
  onTestFinished(() => pool.destroy());
  return pool;
}
