import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually } from '../../test/helpers/eventually.js';
import { Recorder, startBackend as backend, httpBackend, onRequestHeads, rawBackend, testPool as pool } from '../../test/helpers/upstream-servers.js';
import type { Backend } from '../../test/helpers/upstream-servers.js';
import { CHUNKED } from './index.js';
import type { UpstreamError, UpstreamPool } from './index.js';

function send(p: UpstreamPool, method = 'GET', bodyLength = 0): Recorder {
  const rec = new Recorder();
  p.request({ method, path: '/', headers: [], bodyLength }, rec);
  return rec;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/**
 * A raw backend that answers the first request on each socket, then kills the socket when the
 * second arrives (FIN, or RST for `reset`): the keep-alive race seen from the client.
 */
function closesOnReuse(reset: boolean): Promise<Backend> {
  return rawBackend((s) => onRequestHeads(s, (sock, i) => {
    if (i === 0) sock.write(OK);
    else if (reset) sock.resetAndDestroy();
    else sock.destroy();
  }));
}

describe('UpstreamPool failures', () => {
  for (const reset of [false, true]) {
    it(`retries once, on a new socket, when a reused socket dies (${reset ? 'RST' : 'FIN'}) before any response byte`, async () => {
      const b = await backend(closesOnReuse(reset));
      const p = pool(b.port);
      await send(p).done;
      const again = await send(p).done;
      expect(again.body.toString()).toBe('ok');
      expect(p.stats().retries).toBe(1);
      expect(b.connections()).toBe(2);
    });
  }

  it('retries a small replayable PUT body, but not a POST with a body', async () => {
    const b = await backend(rawBackend((s) => {
      let n = 0;
      s.on('data', (d: Buffer) => {
        // Request 1 is answered; the socket dies when request 2 arrives.
        if (n++ === 0 && d.includes('\r\n\r\nabc')) s.write(OK);
        else if (n > 1) s.destroy();
      });
      s.on('error', () => undefined);
    }));
    const p = pool(b.port);
    const put = (method: string): Recorder => {
      const rec = new Recorder();
      p.request({ method, path: '/', headers: [], bodyLength: 3 }, rec).end(Buffer.from('abc'));
      return rec;
    };
    await put('PUT').done;
    expect((await put('PUT').done).body.toString()).toBe('ok');
    expect(p.stats().retries).toBe(1);
    const err = await put('POST').failure();
    expect(err.code).toBe('VX_UPSTREAM_RESET');
    expect([err.responseStarted, err.requestBodyBytes, err.retryableElsewhere]).toEqual([false, 3, true]);
  });

  it('does not retry twice, nor a failure on a fresh socket', async () => {
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => sock.destroy())));
    const p = pool(b.port);
    const err = await send(p).failure();
    expect(err.code).toBe('VX_UPSTREAM_RESET');
    expect(err.retryableElsewhere).toBe(true);
    expect(p.stats().retries).toBe(0);
  });

  it('reports a refused connect as retryable elsewhere', async () => {
    const b = await rawBackend(() => undefined);
    await b.close();
    const err = await send(pool(b.port)).failure();
    expect(err.code).toBe('VX_UPSTREAM_CONNECT_REFUSED');
    expect(err.retryableElsewhere).toBe(true);
  });

  // Needs a listener that never accepts, which node:net cannot make; python3 is on every CI image we use.
  const hasPython = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!hasPython)('times out a connect that never completes (skipped without python3)', async () => {
    // A listener that never accepts, with a backlog of 0: once one connection fills the accept
    // queue, the kernel drops further SYNs and connects hang (node:net always accepts, hence python).
    const listener = spawn('python3', ['-c', "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(0); print(s.getsockname()[1], flush=True); time.sleep(30)"]);
    onTestFinished(() => {
      listener.kill();
    });
    const port = await new Promise<number>((resolve) => listener.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const filler = net.connect(port, '127.0.0.1');
    onTestFinished(() => {
      filler.destroy();
    });
    await new Promise((resolve) => filler.once('connect', resolve));
    const err = await send(pool(port, { connectTimeoutMs: 100 })).failure();
    expect(err.code).toBe('VX_UPSTREAM_CONNECT_TIMEOUT');
    expect(err.retryableElsewhere).toBe(true);
  });

  it('times out waiting for the head, and on a stalled body, with what had been delivered', async () => {
    let sendPartialBody = false;
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => {
      if (sendPartialBody) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    })));
    const p = pool(b.port, { headersTimeoutMs: 100, bodyTimeoutMs: 100 });
    const headErr = await send(p).failure();
    expect(headErr.code).toBe('VX_UPSTREAM_HEADERS_TIMEOUT');
    expect([headErr.responseStarted, headErr.retryableElsewhere]).toEqual([false, false]);
    sendPartialBody = true;
    const rec = send(p);
    const bodyErr = await rec.failure();
    expect(bodyErr.code).toBe('VX_UPSTREAM_BODY_TIMEOUT');
    expect(bodyErr.responseStarted).toBe(true);
    expect(rec.calls).toEqual(['head', 'error:VX_UPSTREAM_BODY_TIMEOUT']);
    await eventually(() => expect(p.stats().connections).toBe(0));
  });

  it('does not count time the caller pauses against the body timeout', async () => {
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc'))));
    const p = pool(b.port, { bodyTimeoutMs: 50 });
    const rec = new Recorder();
    rec.accept = false;
    const req = p.request({ method: 'GET', path: '/', headers: [] }, rec);
    await eventually(() => expect(rec.bodyBytes).toBe(3));
    const pausedAt = performance.now();
    await eventually(() => expect(performance.now() - pausedAt).toBeGreaterThan(300), { timeoutMs: 1000, intervalMs: 20 });
    expect(rec.calls).toEqual(['head']);
    req.resume();
    const err = await rec.failure();
    expect(err.code).toBe('VX_UPSTREAM_BODY_TIMEOUT');
  });

  it('closes idle sockets after idleTimeoutMs', async () => {
    const b = await backend(httpBackend((_req, res) => res.end('x')));
    const p = pool(b.port, { idleTimeoutMs: 50 });
    await send(p).done;
    expect(p.stats().idle).toBe(1);
    await eventually(() => expect(p.stats()).toMatchObject({ connections: 0, idle: 0 }));
  });

  it('queues FIFO up to maxQueue, then throws QueueFullError', async () => {
    const answers: Array<() => void> = [];
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => answers.push(() => sock.write(OK)))));
    const p = pool(b.port, { maxConnections: 1, maxQueue: 2 });
    const order: string[] = [];
    const recs = ['a', 'b', 'c'].map((name) => {
      const rec = send(p);
      void rec.done.then(() => order.push(name));
      return rec;
    });
    expect(p.stats()).toMatchObject({ connections: 1, active: 1, queued: 2 });
    let thrown: unknown;
    try {
      send(p);
    } catch (err) {
      thrown = err;
    }
    expect((thrown as UpstreamError).code).toBe('VX_UPSTREAM_QUEUE_FULL');
    for (let i = 0; i < 3; i++) {
      await eventually(() => expect(answers.length).toBe(i + 1));
      answers[i]!();
      await recs[i]!.done;
    }
    expect(order).toEqual(['a', 'b', 'c']);
    expect(b.connections()).toBe(1);
  });

  it('caller abort destroys the socket (never reused) and stops callbacks; aborting a queued request frees its place', async () => {
    let closed = 0;
    const b = await backend(rawBackend((s) => {
      s.on('close', () => closed++);
      onRequestHeads(s, (sock) => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'));
    }));
    const p = pool(b.port, { maxConnections: 1 });
    const rec = new Recorder();
    const req = p.request({ method: 'GET', path: '/', headers: [] }, rec);
    const queued = send(p);
    expect(p.stats().queued).toBe(1);
    await eventually(() => expect(rec.bodyBytes).toBe(7));
    req.abort();
    await eventually(() => expect(closed).toBe(1));
    expect(rec.calls).toEqual(['head']);
    await eventually(() => expect(queued.bodyBytes).toBe(7));
    const third = new Recorder();
    const r3 = p.request({ method: 'GET', path: '/', headers: [] }, third);
    expect(p.stats().queued).toBe(1);
    r3.abort();
    expect(p.stats().queued).toBe(0);
    expect(third.calls).toEqual([]);
  });

  it('abort from inside onData stops delivery of the rest of the same read', async () => {
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => {
      sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n');
    })));
    const p = pool(b.port);
    const rec = new Recorder();
    let chunks = 0;
    const req = p.request({ method: 'GET', path: '/', headers: [] }, {
      onHead: (head) => rec.onHead(head),
      onData: () => {
        chunks++;
        req.abort();
        return true;
      },
      onEnd: (t) => rec.onEnd(t),
      onError: (e) => rec.onError(e),
    });
    await eventually(() => expect(p.stats().connections).toBe(0));
    expect(chunks).toBe(1);
    expect(rec.calls).toEqual(['head']);
  });

  it('upstream dying mid-response is a reset with responseStarted', async () => {
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      setImmediate(() => sock.destroy());
    })));
    const err = await send(pool(b.port)).failure();
    expect(err.code).toBe('VX_UPSTREAM_RESET');
    expect([err.responseStarted, err.retryableElsewhere]).toEqual([true, false]);
  });

  it('a malformed response is a parse error and the socket is dropped', async () => {
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'))));
    const p = pool(b.port);
    const err = await send(p).failure();
    expect(err.code).toBe('VX_UPSTREAM_PARSE');
    expect(err.message).toContain('both Content-Length and Transfer-Encoding');
    await eventually(() => expect(p.stats().connections).toBe(0));
  });

  it('bytes after a response, or on an idle socket, make the socket unusable', async () => {
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock, i) => {
      sock.write(i === 0 ? `${OK}HTTP/1.1 200 OK\r\n` : OK);
    })));
    const p = pool(b.port);
    expect((await send(p).done).body.toString()).toBe('ok');
    await eventually(() => expect(p.stats().connections).toBe(0));
    await send(p).done;
    expect(b.connections()).toBe(2);
  });

  it('an early response ends the exchange; later body writes are dropped and the socket is not reused', async () => {
    const b = await backend(httpBackend((_req, res) => res.writeHead(413, { connection: 'keep-alive' }).end('too big')));
    const p = pool(b.port);
    const rec = new Recorder();
    const req = p.request({ method: 'POST', path: '/', headers: [], bodyLength: CHUNKED }, rec);
    req.write(Buffer.from('x'));
    expect((await rec.done).status).toBe(413);
    expect(req.write(Buffer.from('more'))).toBe(true);
    req.end();
    await eventually(() => expect(p.stats().connections).toBe(0));
  });

  it('refuses a body longer or shorter than bodyLength', async () => {
    const b = await backend(httpBackend((_req, res) => res.end()));
    const p = pool(b.port);
    const r1 = p.request({ method: 'PUT', path: '/', headers: [], bodyLength: 2 }, new Recorder());
    expect(() => r1.write(Buffer.from('abc'))).toThrow('body longer than bodyLength 2');
    const r2 = p.request({ method: 'PUT', path: '/', headers: [], bodyLength: 2 }, new Recorder());
    r2.write(Buffer.from('a'));
    expect(() => r2.end()).toThrow('body ended after 1 of 2 bytes');
    await eventually(() => expect(p.stats().connections).toBe(0));
  });

  it('close() finishes active and queued work then resolves; destroy() fails what is left', async () => {
    const answers: net.Socket[] = [];
    const b = await backend(rawBackend((s) => onRequestHeads(s, (sock) => answers.push(sock))));
    const p = pool(b.port, { maxConnections: 1 });
    const first = send(p);
    const second = send(p);
    const closing = p.close();
    expect(() => send(p)).toThrow('pool for');
    for (let i = 0; i < 2; i++) {
      await eventually(() => expect(answers.length).toBe(i + 1));
      answers[i]!.write(OK);
    }
    await Promise.all([first.done, second.done, closing]);
    expect(p.stats().connections).toBe(0);

    const p2 = pool(b.port, { maxConnections: 1 });
    const active = send(p2);
    const waiting = send(p2);
    await eventually(() => expect(answers.length).toBe(3));
    await p2.destroy();
    const activeErr = await active.failure();
    const waitingErr = await waiting.failure();
    expect([activeErr.code, activeErr.retryableElsewhere]).toEqual(['VX_UPSTREAM_CLOSED', false]);
    expect([waitingErr.code, waitingErr.retryableElsewhere]).toEqual(['VX_UPSTREAM_CLOSED', true]);
  });
});
