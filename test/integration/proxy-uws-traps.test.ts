/**
 * The uWS traps (libraries.md §3), each driven through the proxy: a trap that fires aborts the whole
 * process (this test worker) or throws inside a uWS callback, so every case ends by checking that a
 * plain request still works. Run on node:http as well, where the same paths must hold.
 */
import type http from 'node:http';
import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { rawRequest, rawSequence, rawStatus, testConfig, testProxy } from '../helpers/proxy-harness.js';
import { httpBackend } from '../helpers/upstream-servers.js';

async function setup(engine: 'uws' | 'node', handler: http.RequestListener, proxyExtra: Record<string, unknown> = {}) {
  const b = await httpBackend(handler);
  onTestFinished(() => b.close());
  const proxy = await testProxy(
    testConfig(engine, [{ name: 'hello', upstreams: [`127.0.0.1:${b.port}`] }, { name: 'zero', path_prefix: '/zero', min_replicas: 0 }], { proxy: proxyExtra }),
  );
  const alive = async (): Promise<void> => {
    const reply = await rawRequest(proxy.port, 'GET /alive HTTP/1.1\r\nHost: a\r\n\r\n', { until: (t) => t.endsWith('\r\n\r\nok') });
    expect(rawStatus(reply)).toBe(200);
  };
  return { proxy, backendPort: b.port, alive };
}

const plain: http.RequestListener = (req, res) => {
  if (req.url === '/chunked-head') {
    res.writeHead(200);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-length': '2' });
  res.end(req.method === 'HEAD' ? undefined : 'ok');
};

describe('uWS pause trap (uws only: node:http keeps writing while a request is paused)', () => {
  it('cuts a client that keeps uploading without reading its echoed response (nothing buffers for it)', async () => {
    let upstreamClosed = false;
    const { proxy, alive } = await setup('uws', (req, res) => {
      if (req.url === '/alive') return plain(req, res);
      res.writeHead(200);
      req.pipe(res);
      res.on('close', () => (upstreamClosed = true));
    });
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.on('error', () => undefined);
    // Never read: the proxy's response backs up while the upload goes on.
    socket.pause();
    socket.write('POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `10000\r\n${'z'.repeat(0x10000)}\r\n`;
    let written = 0;
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const pump = (): void => {
      while (!socket.destroyed && written < 256 * 1024 * 1024) {
        written += 0x10000;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
    await closed;
    expect(written).toBeLessThan(256 * 1024 * 1024);
    await eventually(() => expect(upstreamClosed).toBe(true));
    await alive();
  });
});

for (const engine of ['uws', 'node'] as const) {
  describe(`uWS traps guarded (${engine})`, () => {
    it('answers synchronously inside the handler (400, 431) without aborting the process', async () => {
      const { proxy, alive } = await setup(engine, plain, { limits: { max_header_bytes: '1KiB' } });
      expect(rawStatus(await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'))).toBe(400);
      expect(rawStatus(await rawRequest(proxy.port, `GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(2000)}\r\n\r\n`))).toBe(431);
      await alive();
    });

    it('ends HEAD, 204-style and chunked-HEAD responses without a body and with no length argument', async () => {
      const { proxy, alive } = await setup(engine, plain);
      const [fixed, chunked] = await rawSequence(proxy.port, [
        { send: 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n', until: (t) => t.endsWith('\r\n\r\n') },
        { send: 'HEAD /chunked-head HTTP/1.1\r\nHost: a\r\n\r\n', until: (t) => t.endsWith('\r\n\r\n') },
      ]);
      expect(fixed).toMatch(/^HTTP\/1\.1 200/);
      expect(chunked).toMatch(/^HTTP\/1\.1 200/);
      await alive();
    });

    it('never touches a response after the client aborted (held request released later)', async () => {
      const { proxy, backendPort, alive } = await setup(engine, plain);
      const reply = rawRequest(proxy.port, 'GET /zero HTTP/1.1\r\nHost: a\r\n\r\n', { timeoutMs: 300 });
      const zero = proxy.state.apps.get('zero')!;
      await eventually(() => expect(zero.stats.waiting).toBe(1));
      expect((await reply).text).toBe('');
      await eventually(() => expect(zero.stats.waiting).toBe(0));
      proxy.state.setRouter('zero', [`127.0.0.1:${backendPort}`]);
      await alive();
    });

    it('answers a held, paused upload whose client left, at the hold timeout, without crashing', async () => {
      const { proxy, alive } = await setup(engine, plain, { hold_timeout: '300ms' });
      const reply = rawRequest(proxy.port, 'POST /zero HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello', { timeoutMs: 100 });
      const zero = proxy.state.apps.get('zero')!;
      await eventually(() => expect(zero.stats.waiting).toBe(1));
      await reply;
      await eventually(() => expect(zero.stats.waiting).toBe(0));
      await eventually(() => expect(zero.stats.inFlight).toBe(0));
      await alive();
    });

    it('never touches a response after the client aborted mid-stream while the backend keeps sending', async () => {
      let upstreamClosed = false;
      const { proxy, alive } = await setup(engine, (req, res) => {
        if (req.url === '/alive') return plain(req, res);
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'.repeat(1000)), 2);
        res.on('close', () => {
          upstreamClosed = true;
          clearInterval(timer);
        });
      });
      await rawRequest(proxy.port, 'GET /stream HTTP/1.1\r\nHost: a\r\n\r\n', { until: (t) => t.includes('xxx') });
      await eventually(() => expect(upstreamClosed).toBe(true));
      await eventually(() => expect(proxy.state.apps.get('hello')!.stats.inFlight).toBe(0));
      await alive();
    });

    it('answers 413 while the body is still arriving, then closes that connection only', async () => {
      const { proxy, alive } = await setup(engine, (req, res) => {
        req.resume();
        req.on('end', () => plain(req, res));
      }, { limits: { max_body_bytes: '1KiB' } });
      const reply = await rawRequest(proxy.port, `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'a'.repeat(2048)}\r\n`);
      expect(rawStatus(reply)).toBe(413);
      expect(reply.closed).toBe(true);
      await alive();
    });
  });
}
