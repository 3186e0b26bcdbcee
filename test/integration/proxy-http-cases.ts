/**
 * The proxy's HTTP semantics suite, run against each engine (proxy-uws.test.ts, proxy-node.test.ts)
 * like the store contract: real node:http backends on 127.0.0.1:0, fetch or raw sockets as clients.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { eventually } from '../helpers/eventually.js';
import { rawHeaders, rawRequest, rawSequence, rawStatus, testConfig, testProxy } from '../helpers/proxy-harness.js';
import type { TestApp } from '../helpers/proxy-harness.js';
import { httpBackend, rawBackend } from '../helpers/upstream-servers.js';
import type { Backend } from '../helpers/upstream-servers.js';

type Engine = 'uws' | 'node';

async function backend(handler: http.RequestListener): Promise<Backend> {
  const b = await httpBackend(handler);
  onTestFinished(() => b.close());
  return b;
}

/** A backend that answers with what it received: method, url, headers and body length. */
async function echoBackend(): Promise<Backend & { seen: http.IncomingHttpHeaders[] }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const b = await backend((req, res) => {
    seen.push(req.headers);
    let n = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n <= 65_536) chunks.push(c);
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, bodyLength: n, body: Buffer.concat(chunks).toString('latin1') }));
    });
  });
  return Object.assign(b, { seen });
}

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  rawHeaders: string[];
  bodyLength: number;
  body: string;
}

/** A backend that answers with the request body's length and SHA-256. */
async function hashBackend(): Promise<Backend> {
  return backend((req, res) => {
    const hash = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      hash.update(c);
    });
    req.on('end', () => res.end(JSON.stringify({ bodyLength: n, sha256: hash.digest('hex') })));
  });
}

/** `size` bytes that differ from byte to byte (a lost or reordered piece changes the hash). */
function patterned(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed + (i >> 8)) & 255;
  return b;
}

/** SHA-256 of `chunk` repeated `times` times. */
function repeatedHash(chunk: Buffer, times: number): string {
  const hash = createHash('sha256');
  for (let i = 0; i < times; i++) hash.update(chunk);
  return hash.digest('hex');
}

function app(name: string, ports: number[], more: Partial<TestApp> = {}): TestApp {
  return { name, upstreams: ports.map((p) => `127.0.0.1:${p}`), ...more };
}

/** Sends a request with http.request and collects the whole response. */
function request(port: number, options: http.RequestOptions & { body?: Buffer | string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent: false, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Peak RSS growth (bytes) over a baseline while `work` runs, sampled every 20 ms. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  globalThis.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage.rss()) - base;
}

const MB = 1024 * 1024;
/**
 * RSS growth allowed while 100 MiB pass through. Garbage not yet collected accounts for 15-50 MiB
 * here (client, proxy and backend share this process); buffering the body anywhere would add at
 * least its 100 MiB on top.
 */
const RSS_BOUND = 80 * MB;

/** Registers the whole suite for one engine. */
export function proxyHttpSuite(engine: Engine): void {
  describe(`proxy HTTP semantics (${engine})`, () => {
    describe('forwarding', () => {
      it('passes Host through and sets X-Forwarded-*, Via and a generated X-Request-Id', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const res = await request(proxy.port, { path: '/a/b?c=1', headers: { host: 'Hello.Example:8080', via: '1.0 edge' } });
        expect(res.status).toBe(200);
        const echo = JSON.parse(res.body.toString()) as Echo;
        expect(echo.url).toBe('/a/b?c=1');
        expect(echo.headers['host']).toBe('Hello.Example:8080');
        expect(echo.headers['x-forwarded-proto']).toBe('http');
        expect(echo.headers['x-forwarded-host']).toBe('Hello.Example:8080');
        expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
        expect(echo.headers['via']).toBe('1.0 edge, 1.1 vortex');
        expect(echo.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
      });

      it('keeps a well-formed X-Request-Id and replaces a malformed one', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const kept = (await (await fetch(`http://127.0.0.1:${proxy.port}/`, { headers: { 'x-request-id': 'abc-123' } })).json()) as Echo;
        expect(kept.headers['x-request-id']).toBe('abc-123');
        const replaced = (await (await fetch(`http://127.0.0.1:${proxy.port}/`, { headers: { 'x-request-id': 'a b<script>' } })).json()) as Echo;
        expect(replaced.headers['x-request-id']).not.toBe('a b<script>');
      });

      it('appends the peer to X-Forwarded-For from a trusted peer and replaces it from an untrusted one', async () => {
        const b = await echoBackend();
        const trusted = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const t = (await (await fetch(`http://127.0.0.1:${trusted.port}/`, { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' } })).json()) as Echo;
        expect(t.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
        expect(t.headers['x-forwarded-proto']).toBe('https');
        const untrusted = await testProxy(testConfig(engine, [app('hello', [b.port])], { proxy: { trusted_proxies: ['10.0.0.0/8'] } }));
        const u = (await (await fetch(`http://127.0.0.1:${untrusted.port}/`, { headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' } })).json()) as Echo;
        expect(u.headers['x-forwarded-for']).toBe('127.0.0.1');
        expect(u.headers['x-forwarded-proto']).toBe('http');
      });

      it('strips hop-by-hop request headers, including those named in Connection', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const reply = await rawRequest(
          proxy.port,
          'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret, host\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n' +
            'Proxy-Authorization: Basic eA==\r\nUpgrade: h2c\r\nTrailer: x\r\nX-Kept: yes\r\n\r\n',
          { until: (t) => t.endsWith('}') },
        );
        expect(rawStatus(reply)).toBe(200);
        const echo = JSON.parse(reply.text.slice(reply.text.indexOf('{'))) as Echo;
        for (const name of ['x-secret', 'keep-alive', 'te', 'proxy-authorization', 'upgrade', 'trailer']) expect(echo.headers[name], name).toBeUndefined();
        expect(echo.headers['x-kept']).toBe('yes');
        expect(echo.headers['host']).toBe('a');
      });

      it('strips hop-by-hop response headers and never sends Date or Content-Length twice', async () => {
        const b = await backend((_req, res) => {
          res.writeHead(200, { connection: 'keep-alive, X-Up-Secret', 'x-up-secret': '1', 'keep-alive': 'timeout=5', 'content-length': '2', date: 'Thu, 01 Jan 1970 00:00:00 GMT', 'x-app': 'a' });
          res.end('ok');
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const reply = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { until: (t) => t.endsWith('\r\n\r\nok') });
        const headers = rawHeaders(reply);
        const names = headers.map(([n]) => n);
        expect(names.filter((n) => n === 'date')).toHaveLength(1);
        expect(names.filter((n) => n === 'content-length')).toHaveLength(1);
        expect(headers.find(([n]) => n === 'date')?.[1]).not.toContain('1970');
        expect(names).not.toContain('x-up-secret');
        expect(names).toContain('x-app');
        expect(reply.text.endsWith('\r\n\r\nok')).toBe(true);
      });

      it('keeps several Set-Cookie headers apart', async () => {
        const b = await backend((_req, res) => {
          res.setHeader('set-cookie', ['a=1; Path=/', 'b=2, with comma', 'c=3']);
          res.end('ok');
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const res = await fetch(`http://127.0.0.1:${proxy.port}/`);
        expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2, with comma', 'c=3']);
      });

      it('forwards the first response byte before the backend ends the body', async () => {
        let finish: () => void = () => undefined;
        const b = await backend((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first;');
          finish = () => res.end('last');
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const res = await fetch(`http://127.0.0.1:${proxy.port}/`);
        const reader = res.body!.getReader();
        const first = await reader.read();
        expect(Buffer.from(first.value).toString()).toBe('first;');
        finish();
        let rest = '';
        for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
        expect(rest).toBe('last');
      });

      it('forwards the first request body bytes before the client ends the body', async () => {
        let gotFirst: (s: string) => void = () => undefined;
        const first = new Promise<string>((r) => (gotFirst = r));
        const b = await backend((req, res) => {
          let body = '';
          req.once('data', (c: Buffer) => gotFirst(c.toString()));
          req.on('data', (c: Buffer) => (body += c.toString()));
          req.on('end', () => res.end(`got ${body}`));
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } });
        const response = new Promise<string>((resolve, reject) => {
          req.on('response', (res) => {
            let t = '';
            res.on('data', (c: Buffer) => (t += c.toString()));
            res.on('end', () => resolve(t));
          });
          req.on('error', reject);
        });
        req.write('part1;');
        expect(await first).toBe('part1;');
        req.end('part2');
        expect(await response).toBe('got part1;part2');
      });

      it('streams a 100 MB download with bounded memory', async () => {
        const chunk = patterned(64 * 1024, 7);
        const total = 100 * MB;
        const expected = repeatedHash(chunk, total / chunk.length);
        const b = await backend((_req, res) => {
          res.writeHead(200, { 'content-length': String(total) });
          let sent = 0;
          const pump = (): void => {
            while (sent < total) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end();
          };
          pump();
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        let received = 0;
        const hash = createHash('sha256');
        const growth = await peakRssGrowth(
          () =>
            new Promise<void>((resolve, reject) => {
              http
                .get({ host: '127.0.0.1', port: proxy.port, path: '/', agent: false }, (res) => {
                  res.on('data', (c: Buffer) => {
                    received += c.length;
                    hash.update(c);
                  });
                  res.on('end', resolve);
                })
                .on('error', reject);
            }),
        );
        expect(received).toBe(total);
        expect(hash.digest('hex')).toBe(expected);
        expect(growth).toBeLessThan(RSS_BOUND);
      });

      it('streams a 100 MB upload with bounded memory', async () => {
        const b = await hashBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const chunk = patterned(64 * 1024, 11);
        const total = 100 * MB;
        let echo: { bodyLength: number; sha256: string } | undefined;
        const growth = await peakRssGrowth(async () => {
          echo = await new Promise((resolve, reject) => {
            const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'PUT', agent: false, headers: { 'content-length': String(total) } }, (res) => {
              let t = '';
              res.on('data', (c: Buffer) => (t += c.toString()));
              res.on('end', () => resolve(JSON.parse(t) as { bodyLength: number; sha256: string }));
            });
            req.on('error', reject);
            let sent = 0;
            const pump = (): void => {
              while (sent < total) {
                sent += chunk.length;
                if (!req.write(chunk)) return void req.once('drain', pump);
              }
              req.end();
            };
            pump();
          });
        });
        expect(echo).toEqual({ bodyLength: total, sha256: repeatedHash(chunk, total / chunk.length) });
        expect(growth).toBeLessThan(RSS_BOUND);
      });

      it('streams both ways at once (the backend echoes while the client still sends)', async () => {
        const b = await backend((req, res) => {
          res.writeHead(200);
          req.pipe(res);
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const chunk = patterned(64 * 1024, 13);
        const rounds = 256; // 16 MiB each way
        // Several exchanges: a stall between pausing the upload and a blocked download is a race.
        for (let exchange = 0; exchange < 4; exchange++) {
          const digest = await new Promise<string>((resolve, reject) => {
            const hash = createHash('sha256');
            const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
              res.on('data', (c: Buffer) => hash.update(c));
              res.on('end', () => resolve(hash.digest('hex')));
            });
            req.on('error', reject);
            let sent = 0;
            const pump = (): void => {
              while (sent < rounds) {
                sent++;
                if (!req.write(chunk)) return void req.once('drain', pump);
              }
              req.end();
            };
            pump();
          });
          expect(digest).toBe(repeatedHash(chunk, rounds));
        }
      });

      it('aborts the upstream request when the client goes away', async () => {
        let upstreamClosed = false;
        const b = await backend((_req, res) => {
          res.writeHead(200);
          res.write('start');
          res.on('close', () => (upstreamClosed = true));
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { until: (t) => t.includes('start') });
        await eventually(() => expect(upstreamClosed).toBe(true));
        await eventually(() => expect(proxy.state.apps.get('hello')!.stats.inFlight).toBe(0));
      });

      it('closes the client connection when the backend aborts mid-body', async () => {
        const b = await backend((req, res) => {
          res.writeHead(200, { 'content-length': '1000' });
          res.write('partial');
          setImmediate(() => req.socket.destroy());
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const reply = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
        expect(reply.closed).toBe(true);
        expect(rawStatus(reply)).toBe(200);
        expect(reply.text.endsWith('partial')).toBe(true);
      });

      it('passes a chunked response (and drops its trailers)', async () => {
        const b = await backend((_req, res) => {
          res.writeHead(200, { trailer: 'x-sum' });
          res.write('a'.repeat(1000));
          res.write('b'.repeat(1000));
          res.addTrailers({ 'x-sum': '2000' });
          res.end();
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const res = await request(proxy.port);
        expect(res.status).toBe(200);
        expect(res.headers['transfer-encoding']).toBe('chunked');
        expect(res.body.toString()).toBe('a'.repeat(1000) + 'b'.repeat(1000));
      });

      it('answers HEAD with the length and no body (the connection stays usable)', async () => {
        const b = await backend((req, res) => {
          res.writeHead(200, { 'content-length': '5', 'content-type': 'text/plain' });
          res.end(req.method === 'HEAD' ? undefined : 'hello');
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const [head, get] = await rawSequence(proxy.port, [
          { send: 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n', until: (t) => t.endsWith('\r\n\r\n') },
          { send: 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', until: (t) => t.endsWith('hello') },
        ]);
        const headReply = { text: head!, closed: false };
        expect(rawStatus(headReply)).toBe(200);
        expect(rawHeaders(headReply).filter(([n]) => n === 'content-length')).toEqual([['content-length', '5']]);
        // Nothing after the head: the next response starts right at the start of the next read.
        expect(get!.startsWith('HTTP/1.1 200')).toBe(true);
        expect(get!.endsWith('\r\n\r\nhello')).toBe(true);
      });

      it('answers 204 and 304 without a body', async () => {
        const b = await backend((req, res) => {
          if (req.url === '/204') res.writeHead(204).end();
          else res.writeHead(304, { etag: '"x"' }).end();
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const [r204, r304, after] = await rawSequence(proxy.port, [
          { send: 'GET /204 HTTP/1.1\r\nHost: a\r\n\r\n', until: (t) => t.endsWith('\r\n\r\n') },
          { send: 'GET /304 HTTP/1.1\r\nHost: a\r\n\r\n', until: (t) => t.endsWith('\r\n\r\n') },
          { send: 'GET /after HTTP/1.1\r\nHost: a\r\n\r\n', until: (t) => t.endsWith('\r\n\r\n') },
        ]);
        expect(rawStatus({ text: r204!, closed: false })).toBe(204);
        expect(rawStatus({ text: r304!, closed: false })).toBe(304);
        expect(after!.startsWith('HTTP/1.1 304')).toBe(true);
        for (const text of [r204!, r304!]) {
          const names = rawHeaders({ text, closed: false }).map(([n]) => n);
          expect(names).not.toContain('transfer-encoding');
          expect(names).not.toContain('content-length');
        }
      });

      it('handles Expect: 100-continue itself and forwards the body without Expect', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = net.connect(proxy.port, '127.0.0.1');
          let text = '';
          let sent = false;
          socket.on('data', (d: Buffer) => {
            text += d.toString('latin1');
            if (!sent && text.includes('100 Continue')) {
              sent = true;
              socket.write('hello');
            }
            if (text.endsWith('}')) {
              socket.destroy();
              resolve(text);
            }
          });
          socket.on('error', reject);
          socket.write('POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
        });
        expect(reply.startsWith('HTTP/1.1 100 Continue')).toBe(true);
        const echo = JSON.parse(reply.slice(reply.indexOf('{'))) as Echo;
        expect(echo.body).toBe('hello');
        expect(echo.headers['expect']).toBeUndefined();
      });
    });

    describe('lifecycle', () => {
      it('normalises an IPv4 peer on a dual-stack listener', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])], { proxy: { listen: '[::]:0' } }));
        const echo = JSON.parse((await request(proxy.port)).body.toString()) as Echo;
        expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
      });

      it('closes gracefully: refuses new connections, finishes in-flight requests', async () => {
        let finish: () => void = () => undefined;
        const b = await backend((_req, res) => {
          res.writeHead(200, { 'content-length': '4' });
          res.write('sl');
          finish = () => res.end('ow');
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const slow = request(proxy.port);
        await eventually(() => expect(proxy.state.inFlight()).toBe(1));
        const closed = proxy.close();
        await eventually(async () => expect(await request(proxy.port).then(() => 'served', () => 'refused')).toBe('refused'));
        finish();
        expect((await slow).body.toString()).toBe('slow');
        await closed;
      });

      it('cuts in-flight requests at shutdown_timeout', async () => {
        const b = await backend((_req, res) => {
          res.writeHead(200);
          res.write('never ends');
        });
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])], { proxy: { shutdown_timeout: '200ms' } }));
        const reply = rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { timeoutMs: 5000 });
        await eventually(() => expect(proxy.state.inFlight()).toBe(1));
        await proxy.close();
        expect((await reply).closed).toBe(true);
      });
      it('applies a reloaded config without disturbing a request in flight', async () => {
        let finish: () => void = () => undefined;
        const slow = await backend((_req, res) => {
          res.writeHead(200, { 'content-length': '4' });
          res.write('sl');
          finish = () => res.end('ow');
        });
        const other = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [slow.port])]));
        const inFlight = request(proxy.port);
        await eventually(() => expect(proxy.state.inFlight()).toBe(1));
        const hello = proxy.state.apps.get('hello');
        proxy.state.applyConfig(testConfig(engine, [app('hello', [slow.port]), app('other', [other.port], { path_prefix: '/other' })]));
        expect(proxy.state.apps.get('hello')).toBe(hello);
        expect((await request(proxy.port, { path: '/other/x' })).status).toBe(200);
        expect(other.seen).toHaveLength(1);
        finish();
        expect((await inFlight).body.toString()).toBe('slow');
      });

      it('writes an access log line per sampled request and for every proxy-made answer', async () => {
        const b = await echoBackend();
        const lines: Array<Record<string, unknown>> = [];
        const logger = { info: (fields: Record<string, unknown>) => lines.push(fields), warn: () => undefined };
        const proxy = await testProxy(
          testConfig(engine, [app('hello', [b.port], { path_prefix: '/hello' })], { proxy: { access_log: { enabled: true, sample_rate: 0.5 } } }),
          undefined,
          logger,
        );
        for (let i = 0; i < 4; i++) expect((await request(proxy.port, { path: '/hello/x' })).status).toBe(200);
        expect((await request(proxy.port, { path: '/nowhere' })).status).toBe(404);
        const access = lines.filter((l) => 'access' in l).map((l) => l['access'] as Record<string, unknown>);
        expect(access).toHaveLength(3);
        expect(access[0]).toMatchObject({ app: 'hello', method: 'GET', path: '/hello/x', status: 200, backend: `127.0.0.1:${b.port}`, peer: '127.0.0.1', error: null });
        expect(access[2]).toMatchObject({ app: null, path: '/nowhere', status: 404, error: 'no_route' });
      });
    });

    describe('request validation', () => {
      it('refuses Content-Length with Transfer-Encoding and never forwards it', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const reply = await rawRequest(proxy.port, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n');
        // node answers 400; uWS's own parser drops the connection before any handler runs.
        if (engine === 'node') expect(rawStatus(reply)).toBe(400);
        else expect(rawStatus(reply) === 400 || (reply.closed && reply.text === '')).toBe(true);
        expect(reply.text).not.toContain('200 OK');
        expect(b.seen).toHaveLength(0);
      });

      it('refuses two Content-Lengths with 400', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const reply = await rawRequest(proxy.port, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!');
        expect(rawStatus(reply)).toBe(400);
        expect(b.seen).toHaveLength(0);
      });

      it('refuses a transfer coding other than chunked with 400', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const reply = await rawRequest(proxy.port, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n');
        expect(rawStatus(reply) === 400 || (reply.closed && reply.text === '')).toBe(true);
        expect(b.seen).toHaveLength(0);
      });

      it('answers 431 to a request head over proxy.limits.max_header_bytes', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])], { proxy: { limits: { max_header_bytes: '4KiB' } } }));
        const res = await request(proxy.port, { headers: { 'x-big': 'a'.repeat(6000) } });
        expect(res.status).toBe(431);
        expect(b.seen).toHaveLength(0);
        const ok = await request(proxy.port, { headers: { 'x-big': 'a'.repeat(2000) } });
        expect(ok.status).toBe(200);
      });

      it('answers 413 to a declared or streamed body over proxy.limits.max_body_bytes', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])], { proxy: { limits: { max_body_bytes: '1KiB' } } }));
        const declared = await request(proxy.port, { method: 'POST', body: Buffer.alloc(2000) });
        expect(declared.status).toBe(413);
        expect(JSON.parse(declared.body.toString())).toEqual({ error: 'body_too_large' });
        const streamed = await request(proxy.port, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: Buffer.alloc(2000) });
        expect(streamed.status).toBe(413);
        const ok = await request(proxy.port, { method: 'POST', body: Buffer.alloc(1000) });
        expect(ok.status).toBe(200);
      });

      it('closes a connection whose request head never completes (slowloris)', { timeout: 30_000 }, async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const reply = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n', { timeoutMs: 20_000 });
        expect(reply.closed).toBe(true);
        expect(b.seen).toHaveLength(0);
      });
    });

    describe('errors', () => {
      it('answers 404 no_route when no app matches', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port], { host: 'hello.localhost' })]));
        const res = await fetch(`http://127.0.0.1:${proxy.port}/`, { headers: { host: 'other.localhost' } });
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: 'no_route' });
        expect(proxy.core.unrouted.errors.some((n) => n > 0)).toBe(true);
      });

      it('answers 503 no_backend with Retry-After when an app has no backend', async () => {
        const proxy = await testProxy(testConfig(engine, [{ name: 'empty', min_replicas: 1 }]));
        const res = await fetch(`http://127.0.0.1:${proxy.port}/`);
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await res.json()).toEqual({ error: 'no_backend', app: 'empty' });
        expect(proxy.state.apps.get('empty')!.stats.byCode[503]).toBe(1);
      });

      it('holds a request for an app at zero and forwards it when a backend appears', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [{ name: 'zero', min_replicas: 0 }]));
        const pending = request(proxy.port, { method: 'POST', body: 'held body' });
        const stats = proxy.state.apps.get('zero')!.stats;
        await eventually(() => expect(stats.waiting).toBe(1));
        proxy.state.setRouter('zero', [`127.0.0.1:${b.port}`]);
        const res = await pending;
        expect(res.status).toBe(200);
        expect((JSON.parse(res.body.toString()) as Echo).body).toBe('held body');
        expect(stats.waiting).toBe(0);
      });

      it('answers 503 hold_timeout when no backend appears in time', async () => {
        const proxy = await testProxy(testConfig(engine, [{ name: 'zero', min_replicas: 0 }], { proxy: { hold_timeout: '300ms' } }));
        const res = await fetch(`http://127.0.0.1:${proxy.port}/`);
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await res.json()).toEqual({ error: 'hold_timeout', app: 'zero' });
      });

      it('retries a GET on the other backend when one refuses: no failures', async () => {
        const b = await echoBackend();
        const dead = await freePort();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port, dead])]));
        for (let i = 0; i < 20; i++) expect((await request(proxy.port)).status).toBe(200);
        const backends = proxy.state.apps.get('hello')!.backends.list;
        expect(backends.find((x) => x.address.endsWith(`:${dead}`))!.refusals).toBeGreaterThan(0);
      });

      it('answers 504 when the backend sends no head within proxy.timeouts.header', async () => {
        const b = await backend(() => undefined);
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])], { proxy: { timeouts: { header: '300ms' } } }));
        const res = await fetch(`http://127.0.0.1:${proxy.port}/`);
        expect(res.status).toBe(504);
        expect(await res.json()).toEqual({ error: 'upstream_timeout', app: 'hello' });
      });

      it('answers 502 when the backend sends garbage', async () => {
        const b = await rawBackend((socket) => {
          socket.on('data', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
          socket.on('error', () => undefined);
        });
        onTestFinished(() => b.close());
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])]));
        const res = await fetch(`http://127.0.0.1:${proxy.port}/`);
        expect(res.status).toBe(502);
        expect(await res.json()).toEqual({ error: 'upstream_invalid_response', app: 'hello' });
        expect(proxy.state.apps.get('hello')!.stats.byClass[5]).toBe(1);
      });
    });

    describe('balancing', () => {
      it('spreads 300 requests over 3 backends evenly', async () => {
        const counts = [0, 0, 0];
        const ports: number[] = [];
        for (let i = 0; i < 3; i++) ports.push((await backend((_req, res) => res.end(String(counts[i]!++)))).port);
        const proxy = await testProxy(testConfig(engine, [app('hello', ports)]));
        for (let i = 0; i < 300; i++) expect((await request(proxy.port)).status).toBe(200);
        expect(counts).toEqual([100, 100, 100]);
      });
    });

    describe('rate limiting', () => {
      it('answers 429 with Retry-After and RateLimit-* over the limit', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])], { ratelimiter: { ratelimit: 3, ratewindow: '60s' } }));
        for (let i = 0; i < 3; i++) expect((await request(proxy.port)).status).toBe(200);
        const res = await request(proxy.port);
        expect(res.status).toBe(429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(res.headers['ratelimit-limit']).toBe('3');
        expect(res.headers['ratelimit-remaining']).toBe('0');
        expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
        expect(proxy.state.apps.get('hello')!.stats.rateLimited).toBe(1);
      });

      it('keys on X-Forwarded-For only from a trusted peer', async () => {
        const b = await echoBackend();
        const limits = { ratelimit: 2, ratewindow: '60s' };
        const trusted = await testProxy(testConfig(engine, [app('hello', [b.port])], { ratelimiter: limits }));
        for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
          for (let i = 0; i < 2; i++) expect((await request(trusted.port, { headers: { 'x-forwarded-for': ip } })).status).toBe(200);
        }
        expect((await request(trusted.port, { headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(429);
        const untrusted = await testProxy(testConfig(engine, [app('hello', [b.port])], { ratelimiter: limits, proxy: { trusted_proxies: ['10.0.0.0/8'] } }));
        expect((await request(untrusted.port, { headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(200);
        expect((await request(untrusted.port, { headers: { 'x-forwarded-for': '198.51.100.2' } })).status).toBe(200);
        expect((await request(untrusted.port, { headers: { 'x-forwarded-for': '198.51.100.3' } })).status).toBe(429);
      });

      it('lets the allow list bypass the limiter', async () => {
        const b = await echoBackend();
        const proxy = await testProxy(testConfig(engine, [app('hello', [b.port])], { ratelimiter: { ratelimit: 1, ratewindow: '60s', allow: ['127.0.0.0/8'] } }));
        for (let i = 0; i < 5; i++) expect((await request(proxy.port)).status).toBe(200);
      });

      it("applies an app's own limit on top of the global one", async () => {
        const b = await echoBackend();
        const proxy = await testProxy(
          testConfig(engine, [app('strict', [b.port], { path_prefix: '/strict', ratelimiter: { ratelimit: 2, ratewindow: '60s' } }), app('loose', [b.port], { path_prefix: '/loose' })]),
        );
        for (let i = 0; i < 2; i++) expect((await request(proxy.port, { path: '/strict' })).status).toBe(200);
        const limited = await request(proxy.port, { path: '/strict' });
        expect(limited.status).toBe(429);
        expect(JSON.parse(limited.body.toString())).toEqual({ error: 'rate_limited', app: 'strict' });
        for (let i = 0; i < 5; i++) expect((await request(proxy.port, { path: '/loose' })).status).toBe(200);
      });
    });
  });
}
