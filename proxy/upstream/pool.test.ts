import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/eventually.js';
import { Recorder, startBackend as backend, header, httpBackend, onRequestHeads, rawBackend, testPool as pool } from '../../test/helpers/upstream-servers.js';
import { CHUNKED, InvalidArgumentError, UpstreamPool } from './index.js';

function get(p: UpstreamPool, path = '/', method = 'GET'): Recorder {
  const rec = new Recorder();
  p.request({ method, path, headers: ['x-test', '1'] }, rec);
  return rec;
}

describe('UpstreamPool against node:http', () => {
  it('forwards method, path and headers, delivers status, raw headers and body, and reuses the socket', async () => {
    const b = await backend(httpBackend((req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(`${req.method} ${req.url} ${String(req.headers['x-test'])} ${req.headers.host}`);
    }));
    const p = pool(b.port);
    const first = await get(p, '/a?b=c').done;
    expect(first.status).toBe(200);
    expect(first.statusText).toBe('OK');
    expect(first.body.toString()).toBe(`GET /a?b=c 1 127.0.0.1:${b.port}`);
    expect(first.headers.filter((_, i) => first.headers[i - 1]?.toLowerCase() === 'set-cookie')).toEqual(['a=1', 'b=2']);
    expect(first.contentLength).toBe(first.body.length);
    expect(p.stats()).toMatchObject({ connections: 1, idle: 1, active: 0, queued: 0 });
    for (let i = 0; i < 3; i++) expect((await get(p).done).status).toBe(200);
    expect(b.connections()).toBe(1);
  });

  it('streams a fixed-length and a chunked request body', async () => {
    const b = await backend(httpBackend((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => res.end(`${req.headers['content-length'] ?? req.headers['transfer-encoding']}:${Buffer.concat(parts).toString()}`));
    }));
    const p = pool(b.port);
    const fixed = new Recorder();
    const r1 = p.request({ method: 'PUT', path: '/', headers: [], bodyLength: 11 }, fixed);
    r1.write(Buffer.from('hello '));
    r1.end(Buffer.from('world'));
    expect((await fixed.done).body.toString()).toBe('11:hello world');
    const chunked = new Recorder();
    const r2 = p.request({ method: 'POST', path: '/', headers: [], bodyLength: CHUNKED }, chunked);
    r2.write(Buffer.from('a'));
    r2.write(Buffer.alloc(0));
    r2.write(Buffer.from('bc'));
    r2.end();
    expect((await chunked.done).body.toString()).toBe('chunked:abc');
    expect(b.connections()).toBe(1);
  });

  it('delivers a chunked response with trailers', async () => {
    const b = await backend(httpBackend((_req, res) => {
      res.writeHead(200, { trailer: 'x-checksum' });
      res.write('part1-');
      res.write('part2');
      res.addTrailers({ 'x-checksum': 'abc' });
      res.end();
    }));
    const got = await get(pool(b.port)).done;
    expect(got.body.toString()).toBe('part1-part2');
    expect(got.contentLength).toBe(-1);
    expect(header(got.headers, 'transfer-encoding')).toBe('chunked');
    expect(got.trailers).toEqual(['x-checksum', 'abc']);
  });

  it('HEAD, 204 and 304 complete without a body and keep the socket', async () => {
    const b = await backend(httpBackend((req, res) => {
      if (req.url === '/204') res.writeHead(204).end();
      else if (req.url === '/304') res.writeHead(304, { etag: '"x"' }).end();
      else res.writeHead(200, { 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
    }));
    const p = pool(b.port);
    const head = await get(p, '/', 'HEAD').done;
    expect([head.status, head.contentLength, head.body.length]).toEqual([200, 5, 0]);
    expect((await get(p, '/204').done).status).toBe(204);
    expect((await get(p, '/304').done).status).toBe(304);
    expect((await get(p, '/').done).body.toString()).toBe('hello');
    expect(b.connections()).toBe(1);
  });

  it('reports 1xx interim responses before the final one', async () => {
    const b = await backend(httpBackend((_req, res) => {
      res.writeContinue();
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.end('final');
    }));
    const got = await get(pool(b.port)).done;
    expect(got.interim).toEqual([100, 103]);
    expect(got.body.toString()).toBe('final');
  });

  it('does not reuse a socket after Connection: close', async () => {
    const b = await backend(httpBackend((_req, res) => {
      res.setHeader('connection', 'close');
      res.end('bye');
    }));
    const p = pool(b.port);
    expect((await get(p).done).body.toString()).toBe('bye');
    expect((await get(p).done).body.toString()).toBe('bye');
    expect(b.connections()).toBe(2);
    await eventually(() => expect(p.stats().connections).toBe(0));
  });

  it('pauses the socket while the caller pauses, and resumes without losing bytes', async () => {
    const size = 4 * 1024 * 1024;
    const b = await backend(httpBackend((_req, res) => res.end(Buffer.alloc(size, 7))));
    const p = pool(b.port);
    const rec = new Recorder(false);
    rec.accept = false;
    const req = p.request({ method: 'GET', path: '/', headers: [] }, rec);
    await eventually(() => expect(rec.bodyBytes).toBeGreaterThan(0));
    const seenWhilePaused = rec.bodyBytes;
    // While paused, at most what the kernel and one read buffer hold arrives; never the whole body.
    expect(seenWhilePaused).toBeLessThan(size);
    rec.accept = true;
    req.resume();
    await rec.done;
    expect(rec.bodyBytes).toBe(size);
  });

  it('signals request-body backpressure and drains once the backend reads', async () => {
    let release: (() => void) | null = null;
    const b = await backend(httpBackend((req, res) => {
      release = () => {
        let n = 0;
        req.on('data', (d: Buffer) => (n += d.length));
        req.on('end', () => res.end(String(n)));
      };
    }));
    const p = pool(b.port);
    const rec = new Recorder();
    const chunk = Buffer.alloc(64 * 1024);
    const total = 512 * chunk.length; // 32 MiB: more than loopback socket buffers hold
    const r = p.request({ method: 'POST', path: '/', headers: [], bodyLength: total }, rec);
    let sent = 0;
    const writeUntilFull = (): boolean => {
      while (sent < total) {
        sent += chunk.length;
        if (!r.write(chunk)) return false;
      }
      return true;
    };
    /** Writes after each drain; false once no drain came within `waitMs` (the backend stopped reading). */
    const pump = async (waitMs: number): Promise<boolean> => {
      while (!writeUntilFull()) {
        const before = rec.drains;
        try {
          await eventually(() => expect(rec.drains).toBeGreaterThan(before), { timeoutMs: waitMs, intervalMs: 5 });
        } catch {
          return false;
        }
      }
      return true;
    };
    expect(await pump(300)).toBe(false);
    expect(sent).toBeLessThan(total);
    await eventually(() => expect(release).not.toBe(null));
    release!();
    expect(await pump(5000)).toBe(true);
    r.end();
    expect((await rec.done).body.toString()).toBe(String(total));
  });

  it('parses a response dribbled one byte per write (head, chunk sizes and trailers split across reads)', async () => {
    const response = 'HTTP/1.1 200 OK\r\nX-Long: ' + 'v'.repeat(100) + '\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n';
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => {
      sock.setNoDelay(true);
      let i = 0;
      const next = (): void => {
        if (i < response.length && !sock.destroyed) sock.write(response[i++] ?? '', () => setImmediate(next));
      };
      next();
    })));
    const p = pool(b.port);
    const got = await get(p).done;
    expect(header(got.headers, 'x-long')).toBe('v'.repeat(100));
    expect(got.body.toString()).toBe('abc');
    expect(got.trailers).toEqual(['X-T', '1']);
    expect((await get(p).done).body.toString()).toBe('abc');
    expect(b.connections()).toBe(1);
  });

  it('refuses a response head over maxHeaderSize', async () => {
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => sock.write(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(3000)}\r\n\r\n`))));
    const err = await get(pool(b.port, { maxHeaderSize: 2048 })).failure();
    expect(err.code).toBe('VX_UPSTREAM_PARSE');
    expect(err.message).toContain('response head larger than 2048 bytes');
  });

  it('refuses a request with CR/LF in a header before anything is sent', async () => {
    const b = await backend(httpBackend((_req, res) => res.end()));
    const p = pool(b.port);
    expect(() => p.request({ method: 'GET', path: '/', headers: ['x', 'a\r\nInjected: 1'] }, new Recorder())).toThrow('invalid value for header x');
    expect(p.stats().connections).toBe(0);
    expect(b.connections()).toBe(0);
  });

  it('validates its options with exact messages', () => {
    expect(() => new UpstreamPool({ host: '127.0.0.1', port: 0 })).toThrow(new InvalidArgumentError('port = 0, must be an integer in [1, 65535]'));
    expect(() => new UpstreamPool({ host: '127.0.0.1', port: 80, maxConnections: 0 })).toThrow('upstream: maxConnections = 0, must be an integer in [1, 65536]');
    expect(() => new UpstreamPool({ host: '127.0.0.1', port: 80, maxHeaderSize: 10 })).toThrow('maxHeaderSize = 10, must be an integer in [1024, 1048576]');
  });

  it('answers a raw backend that sends an HTTP/1.0 close-delimited body', async () => {
    const b = await backend(rawBackend((s) => onRequestHeads(s, () => s.end('HTTP/1.0 200 OK\r\nX: 1\r\n\r\nuntil the end'))));
    const got = await get(pool(b.port)).done;
    expect(got.body.toString()).toBe('until the end');
  });
});
