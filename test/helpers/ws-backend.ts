/**
 * WebSocket backends and clients for the proxy's WebSocket tests: a real `ws` server on
 * 127.0.0.1:0 that echoes every message with its type, records handshakes and closes, can refuse
 * upgrades with any status and can be killed (sockets cut without a close frame); and a client
 * with bounded waits for its next message and its close.
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { onTestFinished } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { ClientOptions, RawData } from 'ws';

/** A close as one side saw it. */
export interface SeenClose {
  code: number;
  reason: string;
}

/** A started WebSocket backend. */
export interface WsBackend {
  readonly port: number;
  readonly address: string;
  /** Upgrade requests accepted, in order. */
  readonly handshakes: IncomingMessage[];
  /** Server-side sockets open now. */
  readonly sockets: Set<WebSocket>;
  /** Closes seen by the server, in order. */
  readonly closes: SeenClose[];
  /** Cuts every connection without a close frame (a killed backend). */
  kill(): void;
  close(): Promise<void>;
}

/** How a test backend behaves. */
export interface WsBackendOptions {
  /** Picks the subprotocol from those offered; default: the first one. */
  selectProtocol?: (offered: Set<string>) => string | false;
  /** Refuse every upgrade with this raw HTTP response instead of accepting it. */
  refuseWith?: string;
  /** Called for each accepted socket before the echo handler is attached; return false to skip the echo. */
  onConnection?: (ws: WebSocket, req: IncomingMessage) => boolean | void;
}

/** Starts an echo backend (closed when the test finishes). A text message `close:<code>:<reason>` (or `close`, without a code) makes it close. */
export async function wsBackend(options: WsBackendOptions = {}): Promise<WsBackend> {
  const handshakes: IncomingMessage[] = [];
  const sockets = new Set<WebSocket>();
  const closes: SeenClose[] = [];
  const tcp = new Set<Socket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024, handleProtocols: options.selectProtocol ?? ((offered) => [...offered][0] ?? false) });
  // /healthz answers 200 so a reconciler health-checking a static upstream keeps it routed.
  const server = http.createServer((req, res) => (req.url === '/healthz' ? res.writeHead(200).end('ok') : res.writeHead(426).end()));
  server.on('connection', (s: Socket) => {
    tcp.add(s);
    s.on('close', () => tcp.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    if (options.refuseWith !== undefined) {
      socket.end(options.refuseWith);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      handshakes.push(req);
      sockets.add(ws);
      ws.on('error', () => undefined);
      ws.on('close', (code, reason) => {
        sockets.delete(ws);
        closes.push({ code, reason: reason.toString() });
      });
      if (options.onConnection?.(ws, req) === false) return;
      ws.on('message', (data: RawData, isBinary) => {
        const text = isBinary ? '' : (data as Buffer).toString();
        const command = /^close:(\d+):(.*)$/.exec(text);
        if (command !== null) ws.close(Number(command[1]), command[2]);
        else if (text === 'close') ws.close();
        else ws.send(data as Buffer, { binary: isBinary });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const backend: WsBackend = {
    port,
    address: `127.0.0.1:${port}`,
    handshakes,
    sockets,
    closes,
    kill: () => {
      for (const s of tcp) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of tcp) s.destroy();
        wss.close();
        server.close(() => resolve());
      }),
  };
  onTestFinished(() => backend.close());
  return backend;
}

/** The answer to an upgrade that was not a 101. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}: ${body}`);
  }
}

/** Opens a client WebSocket to the proxy; rejects with UpgradeRefused on a non-101 answer. Terminated when the test finishes. */
export function openClient(port: number, path = '/', protocols: string[] = [], options: ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols, { handshakeTimeout: 5_000, maxPayload: 64 * 1024 * 1024, ...options });
    onTestFinished(() => ws.terminate());
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        reject(new UpgradeRefused(res.statusCode ?? 0, res.headers, body));
        ws.terminate();
      });
    });
    ws.on('error', reject);
  });
}

/** The status an upgrade was refused with (fails the test when it was accepted). */
export async function refusedStatus(attempt: Promise<WebSocket>): Promise<UpgradeRefused> {
  try {
    await attempt;
  } catch (err) {
    if (err instanceof UpgradeRefused) return err;
    throw err;
  }
  throw new Error('the upgrade was accepted');
}

/** A message as received. */
export interface Received {
  data: Buffer;
  isBinary: boolean;
}

/** Every message `ws` receives from now on, awaited one by one with a deadline. */
export class Inbox {
  private readonly queue: Received[] = [];
  private waiter: (() => void) | null = null;

  constructor(ws: WebSocket) {
    ws.on('message', (data: RawData, isBinary) => {
      this.queue.push({ data: data as Buffer, isBinary });
      this.waiter?.();
    });
  }

  /** The next message, or a rejection after `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    return this.queue.shift()!;
  }
}

/** Resolves with the close `ws` sees, or rejects after `timeoutMs`. */
export function closeOf(ws: WebSocket, timeoutMs = 5_000): Promise<SeenClose> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('already closed: attach closeOf earlier'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close within ${timeoutMs} ms`)), timeoutMs);
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}
