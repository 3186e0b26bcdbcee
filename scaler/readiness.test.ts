import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { NotReadyError } from './errors.js';
import { probeOnce, waitUntilReady } from './readiness.js';

/** A server on 127.0.0.1:0 whose /healthz answers 503 for the first `failures` probes, then 200. */
async function healthServer(failures: number): Promise<{ address: string; probes: () => number }> {
  let probes = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/healthz') return void res.writeHead(404).end();
    probes++;
    res.writeHead(probes > failures ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, probes: () => probes };
}

describe('readiness', () => {
  it('probeOnce: 200 is ready, another status or a wrong path is not', async () => {
    const { address } = await healthServer(0);
    expect(await probeOnce(address, '/healthz', 1_000)).toEqual({ ok: true });
    expect(await probeOnce(address, '/nope', 1_000)).toEqual({ ok: false, problem: 'status 404' });
  });

  it('probeOnce: a refused connection, a backend that never answers and an abort are not ready, and say why', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const refusedAt = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probeOnce(refusedAt, '/healthz', 1_000)).toEqual({ ok: false, problem: 'ECONNREFUSED' });

    const silent = createServer(() => {}); // takes the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const silentAt = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    expect(await probeOnce(silentAt, '/healthz', 100)).toEqual({ ok: false, problem: 'no answer within 100 ms', timedOut: true });

    const controller = new AbortController();
    const probing = probeOnce(silentAt, '/healthz', 5_000, controller.signal);
    controller.abort(new Error('stopping'));
    expect(await probing).toEqual({ ok: false, problem: 'aborted: Error: stopping' });
    // The server saw every probe's connection closed, none left open.
    await expect.poll(() => new Promise<number>((resolve) => silent.getConnections((_e, n) => resolve(n)))).toBe(0);
  });

  it('waitUntilReady keeps probing until the first 200', async () => {
    const server = await healthServer(3);
    await waitUntilReady(server.address, { path: '/healthz', probeTimeoutMs: 1_000, deadlineMs: 5_000, intervalMs: 10 });
    expect(server.probes()).toBe(4);
  });

  it('waitUntilReady gives up at the deadline with the last problem', async () => {
    const server = await healthServer(Number.MAX_SAFE_INTEGER);
    const error = await waitUntilReady(server.address, { path: '/healthz', probeTimeoutMs: 1_000, deadlineMs: 200, intervalMs: 10 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).code).toBe('VX_RECONCILER_NOT_READY');
    expect((error as NotReadyError).message).toContain('last probe: status 503');
  });

  it('waitUntilReady rejects with the abort reason', async () => {
    const server = await healthServer(Number.MAX_SAFE_INTEGER);
    const controller = new AbortController();
    const waiting = waitUntilReady(server.address, { path: '/healthz', probeTimeoutMs: 1_000, deadlineMs: 10_000, intervalMs: 10, signal: controller.signal });
    controller.abort(new Error('died'));
    await expect(waiting).rejects.toThrow('died');
  });
});
