/**
 * A unix-socket relay in front of another socket (the Docker engine's) that a test can cut and
 * restore: an engine outage and its return, as a client sees them. Before `resume()` (or `start`
 * false) nothing listens at `path`, so connecting fails with ENOENT, as with a stopped engine.
 */
import { createServer, Socket } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';

/** A relay at `path`; `stop()` cuts every connection and stops listening, `resume()` listens again. */
export interface SocketRelay {
  path: string;
  stop(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** Creates the relay at `<dir>/relay.sock` forwarding to `target`; listening at once unless `listening` is false. */
export async function socketRelay(dir: string, target: string, listening = true): Promise<SocketRelay> {
  const path = join(dir, 'relay.sock');
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = new Socket();
        upstream.connect(target);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(path, () => resolve());
      server = s;
    });
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };
  if (listening) await listen();
  return { path, stop, resume: listen, close: stop };
}
