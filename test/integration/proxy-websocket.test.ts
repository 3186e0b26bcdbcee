/**
 * WebSocket proxying, the same cases on both engines (uWS relays frames with `ws` upstream; node:http
 * tunnels through http-proxy-3): real `ws` backends on 127.0.0.1:0, `ws` clients, and the proxy's
 * own state read for the in-flight accounting.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type http from 'node:http';
import type net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { WebSocket } from 'ws';
import { stringify } from 'yaml';
import { createProxyMetrics } from '../../proxy/metrics.js';
import { Telemetry } from '../../proxy/telemetry.js';
import { ClientMetrics, clientMetricsId } from '../../store/records/client-metrics.js';
import { Records } from '../../store/records/records.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { freePort } from '../helpers/free-port.js';
import { eventually } from '../helpers/eventually.js';
import { rawRequest, rawStatus, testConfig, testProxy } from '../helpers/proxy-harness.js';
import type { TestApp } from '../helpers/proxy-harness.js';
import { tempDir } from '../helpers/temp-dir.js';
import { httpBackend, rawBackend } from '../helpers/upstream-servers.js';
import { startVortex } from '../helpers/vortex-process.js';
import { Inbox, closeOf, openClient, refusedStatus, wsBackend } from '../helpers/ws-backend.js';
import type { RunningProxy } from '../../proxy/proxy-server.js';

const ENGINES = ['uws', 'node'] as const;

function app(name: string, ports: number[], more: Partial<TestApp> = {}): TestApp {
  return { name, upstreams: ports.map((p) => `127.0.0.1:${p}`), ...more };
}

/** `size` bytes that differ from byte to byte. */
function patterned(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed + (i >> 8)) & 255;
  return b;
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function inFlight(proxy: RunningProxy, name: string): { app: number; backends: number[] } {
  const state = proxy.state.apps.get(name)!;
  return { app: state.stats.inFlight, backends: state.backends.list.map((b) => b.inFlight) };
}

for (const engine of ENGINES) {
  describe(`proxy WebSockets (${engine})`, () => {
    describe('relaying', () => {
      it('echoes text as text, binary as binary, and a 1 MiB message intact', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])]));
        const ws = await openClient(proxy.port, '/room?x=1');
        const inbox = new Inbox(ws);
        ws.send('hello');
        const text = await inbox.next();
        expect(text.isBinary).toBe(false);
        expect(text.data.toString()).toBe('hello');
        ws.send(Buffer.from([0, 1, 2, 255]));
        const binary = await inbox.next();
        expect(binary.isBinary).toBe(true);
        expect([...binary.data]).toEqual([0, 1, 2, 255]);
        const big = patterned(1024 * 1024, 7);
        ws.send(big);
        const echoed = await inbox.next();
        expect(echoed.data.length).toBe(big.length);
        expect(sha(echoed.data)).toBe(sha(big));
        expect(b.handshakes[0]!.url).toBe('/room?x=1');
      });

      it('passes the offered subprotocols to the backend and its choice back', async () => {
        const b = await wsBackend({ selectProtocol: (offered) => (offered.has('chat.v1') ? 'chat.v1' : false) });
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])]));
        const ws = await openClient(proxy.port, '/', ['chat.v2', 'chat.v1']);
        expect(ws.protocol).toBe('chat.v1');
        expect(b.handshakes[0]!.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim())).toEqual(['chat.v2', 'chat.v1']);
        const plain = await openClient(proxy.port, '/');
        expect(plain.protocol).toBe('');
        expect(b.handshakes[1]!.headers['sec-websocket-protocol']).toBeUndefined();
      });

      it('sends the forwarding headers and end-to-end ones to the backend', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])]));
        await openClient(proxy.port, '/', [], {
          headers: { host: 'chat.example:8080', cookie: 'session=abc', authorization: 'Bearer t', 'x-custom': 'yes', 'x-request-id': 'req-1', 'keep-alive': 'timeout=5' },
        });
        const h = b.handshakes[0]!.headers;
        expect(h['host']).toBe('chat.example:8080');
        expect(h['x-forwarded-for']).toBe('127.0.0.1');
        expect(h['x-forwarded-proto']).toBe('http');
        expect(h['x-forwarded-host']).toBe('chat.example:8080');
        expect(h['via']).toBe('1.1 vortex');
        expect(h['x-request-id']).toBe('req-1');
        expect(h['cookie']).toBe('session=abc');
        expect(h['authorization']).toBe('Bearer t');
        expect(h['x-custom']).toBe('yes');
        expect(h['keep-alive']).toBeUndefined();
        expect(h['upgrade']).toBe('websocket');
      });
    });

    describe('timeouts', () => {
      it('keeps an open WebSocket past the handshake timeout and the HTTP idle timeout', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])], { proxy: { timeouts: { connect: '100ms', header: '200ms', idle: '300ms' } } }));
        const ws = await openClient(proxy.port);
        const inbox = new Inbox(ws);
        // Idle on purpose: three times the longest of those timeouts.
        await new Promise((resolve) => setTimeout(resolve, 900));
        ws.send('still here');
        expect((await inbox.next()).data.toString()).toBe('still here');
      });
    });

    describe('closing', () => {
      it('relays close codes and reasons both ways', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])]));
        const fromClient = await openClient(proxy.port);
        fromClient.close(4001, 'bye');
        await eventually(() => expect(b.closes).toContainEqual({ code: 4001, reason: 'bye' }));
        const fromBackend = await openClient(proxy.port);
        const closed = closeOf(fromBackend);
        fromBackend.send('close:4002:later');
        expect(await closed).toEqual({ code: 4002, reason: 'later' });
      });

      it('relays a close without a code as one without a code, both ways', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])]));
        const fromClient = await openClient(proxy.port);
        fromClient.close();
        await eventually(() => expect(b.closes).toEqual([{ code: 1005, reason: '' }]));
        const fromBackend = await openClient(proxy.port);
        const closed = closeOf(fromBackend);
        fromBackend.send('close');
        expect(await closed).toEqual({ code: 1005, reason: '' });
      });

      it('closes the client with 1011 when its backend dies', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])]));
        const ws = await openClient(proxy.port);
        const inbox = new Inbox(ws);
        ws.send('ping');
        await inbox.next();
        const closed = closeOf(ws);
        b.kill();
        expect((await closed).code).toBe(1011);
        await eventually(() => expect(inFlight(proxy, 'chat').app).toBe(0));
      });

      it('closes the backend side when the client disappears', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])]));
        const ws = await openClient(proxy.port);
        await eventually(() => expect(b.sockets.size).toBe(1));
        ws.terminate();
        await eventually(() => expect(b.closes).toHaveLength(1));
        await eventually(() => expect(inFlight(proxy, 'chat')).toEqual({ app: 0, backends: [0] }));
      });

      it('counts an open WebSocket as in flight on its app and backend until it closes', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])]));
        const ws = await openClient(proxy.port);
        await eventually(() => expect(inFlight(proxy, 'chat')).toEqual({ app: 1, backends: [1] }));
        expect(proxy.websockets.size).toBe(1);
        expect(proxy.state.inFlight()).toBe(1);
        const closed = closeOf(ws);
        ws.close(1000);
        await closed;
        await eventually(() => expect(inFlight(proxy, 'chat')).toEqual({ app: 0, backends: [0] }));
        expect(proxy.websockets.size).toBe(0);
        expect(proxy.state.apps.get('chat')!.stats.websocketsOpen).toBe(0);
      });

      it("shows in telemetry as in flight on its backend, draining included, which is what the reconciler's drain waits on", async () => {
        const { store } = await openTestStore();
        const old = await wsBackend();
        const next = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [old.port])]), store);
        const telemetry = new Telemetry({ store, source: proxy.state, proxyId: 'ws-test', intervalMs: 200 });
        onTestFinished(() => telemetry.stop());
        telemetry.start();
        const records = new Records(store);
        const read = async () => (await records.get(ClientMetrics, clientMetricsId('chat', 'ws-test')))?.record;
        const ws = await openClient(proxy.port);
        await eventually(async () => expect(await read()).toMatchObject({ inflight: 1, backends: { [old.address]: 1 } }));
        proxy.state.setRouter('chat', [next.address]);
        await eventually(async () => expect((await read())?.backends).toEqual({ [old.address]: 1, [next.address]: 0 }));
        ws.close(1000);
        await eventually(async () => expect(await read()).toMatchObject({ inflight: 0, backends: { [next.address]: 0 } }));
        expect((await read())?.backends[old.address] ?? 0).toBe(0);
      });

      it('closes open WebSockets with 1001 once shutdown_timeout has passed', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])], { proxy: { shutdown_timeout: '300ms' } }));
        const ws = await openClient(proxy.port);
        const closed = closeOf(ws);
        await proxy.close();
        expect((await closed).code).toBe(1001);
        await eventually(() => expect(b.closes.map((c) => c.code)).toEqual([1001]));
      });

      it('keeps a WebSocket open on a backend removed from the router, then closes it with 1001 after drain_timeout', async () => {
        const old = await wsBackend();
        const next = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [old.port], { drain_timeout: '1s' })]));
        const ws = await openClient(proxy.port);
        const inbox = new Inbox(ws);
        const closed = closeOf(ws, 8_000);
        proxy.state.setRouter('chat', [next.address]);
        ws.send('still here');
        expect((await inbox.next()).data.toString()).toBe('still here');
        await openClient(proxy.port);
        expect(next.handshakes).toHaveLength(1);
        expect((await closed).code).toBe(1001);
        await eventually(() => expect(proxy.state.apps.get('chat')!.stats.inFlight).toBe(1));
      });
    });

    describe('vortex up', () => {
      it('on SIGTERM closes an open WebSocket with 1001 after shutdown_timeout and exits 0', async () => {
        const b = await wsBackend();
        const dir = await tempDir();
        const file = join(dir, 'vortex.yaml');
        await writeFile(
          file,
          stringify({
            proxy: { listen: '127.0.0.1:0', engine, shutdown_timeout: '300ms' },
            admin: { listen: '127.0.0.1:0' },
            store: { data_dir: join(dir, 'data') },
            apps: [{ name: 'chat', backend: { plugin: 'static', upstreams: [b.address] } }],
          }),
        );
        const up = await startVortex(['up', '-c', file], /^vortex up: proxy on /);
        onTestFinished(async () => {
          await up.stop('SIGKILL');
        });
        const port = Number(/proxy on http:\/\/127\.0\.0\.1:(\d+)/.exec(up.ready)![1]);
        const ws = await openClient(port);
        const closed = closeOf(ws, 10_000);
        const exit = up.stop('SIGTERM');
        expect((await closed).code).toBe(1001);
        expect(await exit).toBe(0);
        expect(b.closes.map((c) => c.code)).toEqual([1001]);
      });
    });

    describe('refusals', () => {
      it('answers 404 when no app matches', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port], { host: 'chat.localhost' })]));
        const refused = await refusedStatus(openClient(proxy.port, '/', [], { headers: { host: 'other.localhost' } }));
        expect(refused.status).toBe(404);
        expect(JSON.parse(refused.body)).toEqual({ error: 'no_route' });
      });

      it('applies the rate limit to upgrades (429)', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])], { ratelimiter: { ratelimit: 1, ratewindow: '60s' } }));
        await openClient(proxy.port);
        const refused = await refusedStatus(openClient(proxy.port));
        expect(refused.status).toBe(429);
        expect(refused.headers['retry-after']).toBeDefined();
        expect(b.handshakes).toHaveLength(1);
      });

      it('answers 502 when the backend is unreachable and counts an upstream error', async () => {
        const proxy = await testProxy(testConfig(engine, [app('chat', [await freePort()])]));
        const refused = await refusedStatus(openClient(proxy.port));
        expect(refused.status).toBe(502);
        expect(JSON.parse(refused.body)).toEqual({ error: 'upstream_connect_failed', app: 'chat' });
        const stats = proxy.state.apps.get('chat')!.stats;
        expect(stats.byCode[502]).toBe(1);
        await eventually(() => expect(stats.inFlight).toBe(0));
      });

      it("relays the backend's refusal when it does not switch protocols", async () => {
        const b = await wsBackend({ refuseWith: 'HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 6\r\n\r\nno way' });
        const proxy = await testProxy(testConfig(engine, [app('chat', [b.port])]));
        const refused = await refusedStatus(openClient(proxy.port));
        expect(refused.status).toBe(403);
        expect(refused.body).toBe('no way');
        expect(refused.headers['content-type']).toBe('text/plain');
        await eventually(() => expect(proxy.state.apps.get('chat')!.stats.inFlight).toBe(0));
      });

      it('answers 504 when the backend sends no 101 within the connect and header timeouts', async () => {
        const silent = await rawBackend((socket) => socket.on('error', () => undefined));
        onTestFinished(() => silent.close());
        const proxy = await testProxy(testConfig(engine, [app('chat', [silent.port])], { proxy: { timeouts: { connect: '200ms', header: '300ms' } } }));
        const refused = await refusedStatus(openClient(proxy.port));
        expect(refused.status).toBe(504);
        expect(JSON.parse(refused.body)).toEqual({ error: 'upstream_timeout', app: 'chat' });
        await eventually(() => expect(proxy.state.apps.get('chat')!.stats.inFlight).toBe(0));
      });

      it('answers 503 when the app has no backend', async () => {
        const proxy = await testProxy(testConfig(engine, [{ name: 'empty', min_replicas: 1 }]));
        const refused = await refusedStatus(openClient(proxy.port));
        expect(refused.status).toBe(503);
        expect(JSON.parse(refused.body)).toEqual({ error: 'no_backend', app: 'empty' });
      });

      it('holds an upgrade for an app at zero and connects it when a backend appears', async () => {
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [{ name: 'zero', min_replicas: 0 }]));
        const pending = openClient(proxy.port);
        await eventually(() => expect(proxy.state.apps.get('zero')!.stats.waiting).toBe(1));
        proxy.state.setRouter('zero', [b.address]);
        const ws = await pending;
        const inbox = new Inbox(ws);
        ws.send('woke');
        expect((await inbox.next()).data.toString()).toBe('woke');
      });
    });

    describe('other upgrades', () => {
      it('serves an upgrade to another protocol (h2c) as a plain request without Upgrade', async () => {
        const seen: http.IncomingHttpHeaders[] = [];
        const b = await httpBackend((req, res) => {
          seen.push(req.headers);
          res.end('plain');
        });
        onTestFinished(() => b.close());
        const proxy = await testProxy(testConfig(engine, [app('web', [b.port])]));
        const reply = await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n', { until: (t) => t.endsWith('plain') });
        expect(rawStatus(reply)).toBe(200);
        expect(seen).toHaveLength(1);
        expect(seen[0]!['upgrade']).toBeUndefined();
      });
    });

    describe('balancing and flow', () => {
      it('spreads WebSockets round-robin over the backends', async () => {
        const one = await wsBackend();
        const two = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [one.port, two.port])]));
        for (let i = 0; i < 4; i++) await openClient(proxy.port);
        expect([one.handshakes.length, two.handshakes.length]).toEqual([2, 2]);
        await eventually(() => expect(inFlight(proxy, 'chat')).toEqual({ app: 4, backends: [2, 2] }));
      });

      it('sorts out 200 WebSockets when a third vanish, one backend dies and the proxy shuts down, all at once', async () => {
        const a = await wsBackend();
        const b = await wsBackend();
        const proxy = await testProxy(testConfig(engine, [app('chat', [a.port, b.port])], { proxy: { shutdown_timeout: '500ms' } }));
        const clients = await Promise.all(Array.from({ length: 200 }, () => openClient(proxy.port)));
        const inboxes = clients.map((c) => new Inbox(c));
        const closes = clients.map((c) => closeOf(c, 20_000));
        clients.forEach((c, i) => c.send(i % 2 === 0 ? 'text' : Buffer.alloc(1000)));
        for (const inbox of inboxes) await inbox.next();
        clients.forEach((c, i) => {
          for (let k = 0; k < 20; k++) c.send(Buffer.alloc(4096));
          if (i % 3 === 0) c.terminate();
        });
        a.kill();
        await proxy.close();
        // Round-robin put even-numbered clients on `a`: those not terminated get 1011, `b`'s get 1001 at shutdown.
        const codes = (await Promise.all(closes)).map((c, i) => [i % 3 === 0 ? 'gone' : i % 2 === 0 ? 'a' : 'b', c.code]);
        expect(new Set(codes.filter(([who]) => who === 'gone').map(([, code]) => code))).toEqual(new Set([1006]));
        expect(codes.filter(([who]) => who === 'a').every(([, code]) => code === 1011)).toBe(true);
        expect(codes.filter(([who]) => who === 'b').every(([, code]) => code === 1001)).toBe(true);
        await eventually(() => expect([proxy.state.apps.get('chat')!.stats.inFlight, proxy.websockets.size]).toEqual([0, 0]));
      });

      it('loses nothing to a client that stops reading while the backend sends 16 MiB', async () => {
        const chunk = patterned(512 * 1024, 3);
        const count = 32;
        const b = await wsBackend({
          onConnection: (ws) => {
            ws.on('message', () => {
              for (let i = 0; i < count; i++) ws.send(chunk);
            });
            return false;
          },
        });
        const proxy = await testProxy(
          testConfig(engine, [app('chat', [b.port])], { proxy: { websocket: { max_backpressure: '64KiB', max_message_bytes: '1MiB' } } }),
        );
        const ws = await openClient(proxy.port);
        const inbox = new Inbox(ws);
        const socket = (ws as unknown as { _socket: net.Socket })._socket;
        socket.pause();
        ws.send('go');
        await eventually(() => expect(b.sockets.values().next().value!.bufferedAmount).toBeGreaterThan(0));
        socket.resume();
        for (let i = 0; i < count; i++) expect(sha((await inbox.next()).data)).toBe(sha(chunk));
      });
    });
  });
}

describe('proxy WebSockets (uws only)', () => {
  it('through worker threads: relayed, counted in flight in the summed counters, closed with 1001 by close()', async () => {
    const b = await wsBackend();
    const proxy = await testProxy(testConfig('uws', [app('chat', [b.port])], { proxy: { workers: 2, shutdown_timeout: '200ms' } }));
    const opening = () => openClient(proxy.port).then((ws) => ({ ws, closed: new Promise<number>((resolve) => ws.once('close', resolve)) }));
    const clients = await Promise.all(Array.from({ length: 8 }, opening));
    // uWS 20.30 can close a WebSocket right after its 101, so far only the first one of a fresh worker
    // thread (docs/proxy.md, known limits): such a client is replaced, at most once per worker.
    let replaceable = 2;
    for (let i = 0; i < clients.length; i++) {
      const { ws, closed } = clients[i]!;
      const inbox = new Inbox(ws);
      ws.send(`m${i}`);
      const answer = await Promise.race([inbox.next(), closed]);
      if (typeof answer === 'number') {
        expect(answer).toBe(1006);
        expect(replaceable--).toBeGreaterThan(0);
        clients[i] = await opening();
        i--;
        continue;
      }
      expect(answer.data.toString()).toBe(`m${i}`);
    }
    expect(proxy.workers!.threads().filter((t) => t.listening)).toHaveLength(2);
    // In flight on the app as the main thread sums every worker's count (what telemetry publishes).
    await eventually(() => {
      proxy.state.refreshCounters();
      expect(proxy.state.apps.get('chat')!.stats.inFlight).toBe(8);
    });
    // /metrics sums the WebSocket series over the workers too.
    const metrics = await createProxyMetrics(proxy.state, proxy.core.unrouted).metrics();
    const sample = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(sample('vortex_websockets_open{app="chat"}')).toBe(8);
    const upgraded = sample('vortex_websocket_upgrades_total{app="chat",outcome="upgraded"}');
    const lost = sample('vortex_websocket_upgrades_total{app="chat",outcome="lost"}');
    expect(upgraded).toBeGreaterThanOrEqual(8);
    expect(upgraded + lost).toBe(8 + (2 - replaceable));
    const closes = clients.map(({ ws }) => closeOf(ws, 10_000));
    await proxy.close();
    for (const close of await Promise.all(closes)) expect(close.code).toBe(1001);
  });

  it('tries the other backend when one refuses the connection', async () => {
    const b = await wsBackend();
    const proxy = await testProxy(testConfig('uws', [app('chat', [b.port, await freePort()])]));
    for (let i = 0; i < 4; i++) await openClient(proxy.port);
    expect(b.handshakes).toHaveLength(4);
    expect(proxy.state.apps.get('chat')!.stats.retries).toBeGreaterThan(0);
  });

  it('closes the backend side with 1009 when a client message is over max_message_bytes (uWS cuts the client)', async () => {
    const b = await wsBackend();
    const proxy = await testProxy(testConfig('uws', [app('chat', [b.port])], { proxy: { websocket: { max_message_bytes: '64KiB' } } }));
    const ws = await openClient(proxy.port);
    const closed = closeOf(ws);
    ws.send(Buffer.alloc(65 * 1024));
    // uWS closes the client's connection without a close frame; it reports "Received too big message".
    expect((await closed).code).toBe(1006);
    await eventually(() => expect(b.closes.map((c) => c.code)).toEqual([1009]));
  });

  it('closes with 1009 both ways when a backend message is over max_message_bytes', async () => {
    const b = await wsBackend({
      onConnection: (ws) => {
        ws.on('message', () => ws.send(Buffer.alloc(65 * 1024)));
        return false;
      },
    });
    const proxy = await testProxy(testConfig('uws', [app('chat', [b.port])], { proxy: { websocket: { max_message_bytes: '64KiB' } } }));
    const ws = await openClient(proxy.port);
    const closed = closeOf(ws);
    ws.send('go');
    expect((await closed).code).toBe(1009);
    await eventually(() => expect(b.closes.map((c) => c.code)).toEqual([1009]));
  });

  it('closes a client with 1013 when more than max_backpressure waits for a backend that stopped reading', async () => {
    const b = await wsBackend({
      onConnection: (ws) => {
        (ws as unknown as { _socket: net.Socket })._socket.pause();
        return false;
      },
    });
    const proxy = await testProxy(testConfig('uws', [app('chat', [b.port])], { proxy: { websocket: { max_backpressure: '64KiB' } } }));
    const ws: WebSocket = await openClient(proxy.port);
    const closed = closeOf(ws, 10_000);
    const chunk = patterned(256 * 1024, 1);
    // Bounded: 64 MiB at most, far beyond the kernel's loopback buffers plus 64 KiB.
    for (let i = 0; i < 256 && ws.readyState === ws.OPEN; i++) {
      ws.send(chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect((await closed).code).toBe(1013);
  });
});
