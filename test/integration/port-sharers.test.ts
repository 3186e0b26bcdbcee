/**
 * port-sharers.ts against the real kernel: a uWS listener of another process joining this process's
 * port with SO_REUSEPORT is found by its /proc entry, and this process's own listener is not counted.
 */
import { spawn } from 'node:child_process';
import { expect, it, onTestFinished } from 'vitest';
import { loadUws } from '../../proxy/engine.js';
import { countForeignSharers } from '../../proxy/workers/port-sharers.js';

it('finds a real SO_REUSEPORT listener of another process on this process\'s port', async () => {
  const loaded = loadUws();
  if (!('uws' in loaded)) throw new Error(loaded.reason);
  const { uws } = loaded;
  const app = uws.App();
  const port = await new Promise<number>((resolve, reject) => {
    // Port 0 gets no SO_REUSEPORT from uWS, so a free port is bound again with it.
    app.listen('127.0.0.1', 0, (socket) => {
      if (socket === false) return reject(new Error('listen failed'));
      const free = uws.us_socket_local_port(socket);
      uws.us_listen_socket_close(socket);
      app.listen('127.0.0.1', free, (shared) => (shared === false ? reject(new Error('listen failed')) : resolve(free)));
    });
  });
  onTestFinished(() => (app as unknown as { close(): void }).close());
  expect(await countForeignSharers(port)).toBe(0);
  const child = spawn(process.execPath, ['-e', `const u = require('uWebSockets.js'); u.App().listen('127.0.0.1', ${port}, (s) => console.log(s ? 'up' : 'failed'));`], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const line = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  expect(line).toBe('up');
  expect(await countForeignSharers(port)).toBe(1);
});
