import net from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: bind port 0, read what the kernel chose, close.
 * Only for servers we cannot hand a listening socket (a host-network container, a child process):
 * another process may take the port between this call and the real bind, so prefer listening on
 * port 0 directly whenever the server is ours.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  if (address === null || typeof address === 'string') {
    throw new Error(`freePort: expected a TCP address, got ${JSON.stringify(address)}`);
  }
  return address.port;
}
