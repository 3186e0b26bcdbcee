import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { canBind, PortAllocator } from './port-allocator.js';

describe('PortAllocator', () => {
  it('hands out ports from starting_port up, never twice, skipping ports in use', async () => {
    const busy = new Set([3001]);
    const ports = new PortAllocator(3000, (port) => Promise.resolve(!busy.has(port)));
    expect(await ports.allocate()).toBe(3000);
    expect(await ports.allocate()).toBe(3002);
    expect(await ports.allocate()).toBe(3003);
    expect(ports.inUse).toBe(3);
  });

  it('reuses a released port and skips reserved ones', async () => {
    const ports = new PortAllocator(4000, () => Promise.resolve(true));
    ports.reserve(4000);
    expect(await ports.allocate()).toBe(4001);
    expect(await ports.allocate()).toBe(4002);
    ports.release(4001);
    expect(await ports.allocate()).toBe(4001);
    expect(await ports.allocate()).toBe(4003);
  });

  it('says so when no port is left', async () => {
    const ports = new PortAllocator(65_534, () => Promise.resolve(true));
    await ports.allocate();
    await ports.allocate();
    await expect(ports.allocate()).rejects.toMatchObject({ code: 'VX_PROVIDER_NO_PORT' });
  });

  it('canBind sees a real listener on 127.0.0.1', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    expect(await canBind(port)).toBe(false);
  });

  it('validates starting_port', () => {
    expect(() => new PortAllocator(0)).toThrow('startingPort must be 1..65535 (got 0)');
  });
});
