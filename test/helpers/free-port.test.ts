import net from 'node:net';
import { expect, it, onTestFinished } from 'vitest';
import { freePort } from './free-port.js';

it('returns a port that can then be bound on 127.0.0.1', async () => {
  const port = await freePort();
  expect(port).toBeGreaterThan(0);

  const server = net.createServer();
  onTestFinished(() => void server.close());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  expect(server.address()).toMatchObject({ address: '127.0.0.1', port });
});
