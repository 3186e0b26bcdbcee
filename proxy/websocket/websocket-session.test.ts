import { describe, expect, it, onTestFinished } from 'vitest';
import { testConfig } from '../../test/helpers/proxy-harness.js';
import type { AppState } from '../app-state.js';
import type { Backend } from '../backend.js';
import type { ErrorResponse } from '../forward/error-response.js';
import { ProxyState } from '../proxy-state.js';
import { UPGRADE_INDEX } from './upgrade-outcomes.js';
import { WebSocketHub } from './websocket-hub.js';
import { WebSocketSession, webSocketOptions } from './websocket-session.js';
import type { SessionContext } from './websocket-session.js';

/** The engine side scripted by the test: records what the base class asks and exposes its hooks. */
class Scripted extends WebSocketSession {
  readonly connects: string[] = [];
  readonly responses: ErrorResponse[] = [];
  abandoned = 0;

  protected connect(backend: Backend): void {
    this.connects.push(backend.address);
  }

  protected respond(response: ErrorResponse): void {
    this.responses.push(response);
  }

  protected abandonUpstream(): void {
    this.abandoned++;
  }

  goAway(): void {}

  terminate(): void {
    this.finish();
  }

  refuse(err: unknown): void {
    this.upstreamFailed(err);
  }

  open(): void {
    this.upgraded();
  }

  close(): void {
    this.finish();
  }

  leave(): void {
    this.clientLeftHandshake();
  }
}

function setup(apps: Parameters<typeof testConfig>[1]): { state: ProxyState; ctx: SessionContext; now: { ms: number } } {
  const state = new ProxyState(testConfig('node', apps));
  onTestFinished(() => state.destroy());
  const now = { ms: 1_000 };
  const hub = new WebSocketHub(() => now.ms);
  const ctx: SessionContext = { core: { now: () => now.ms, maxBodyBytes: 0, holdTimeoutMs: 30_000, accessLog: null }, hub, options: webSocketOptions(state.config, state) };
  return { state, ctx, now };
}

const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('WebSocketSession', () => {
  it('counts in flight on the app and the backend from the pick until it finishes, once', () => {
    const { state, ctx } = setup([{ name: 'chat', upstreams: ['127.0.0.1:9001'] }]);
    const app: AppState = state.apps.get('chat')!;
    const backend = app.backends.list[0]!;
    const session = new Scripted(ctx, app, '/', '127.0.0.1', 1_000);
    expect(app.stats.inFlight).toBe(1);
    session.start();
    expect(session.connects).toEqual(['127.0.0.1:9001']);
    expect(backend.inFlight).toBe(1);
    session.open();
    expect(ctx.hub.size).toBe(1);
    expect(app.stats.byCode[101]).toBe(1);
    session.close();
    session.close();
    session.terminate();
    expect([app.stats.inFlight, backend.inFlight, ctx.hub.size, app.stats.websocketsOpen]).toEqual([0, 0, 0, 0]);
    expect(app.stats.websocketUpgrades[UPGRADE_INDEX.upgraded]).toBe(1);
  });

  it('tries the next backend once after a refused connect, then answers 502', () => {
    const { state, ctx } = setup([{ name: 'chat', upstreams: ['127.0.0.1:9001', '127.0.0.1:9002', '127.0.0.1:9003'] }]);
    const app = state.apps.get('chat')!;
    const session = new Scripted(ctx, app, '/', '127.0.0.1', 1_000);
    session.start();
    session.refuse(refused);
    session.refuse(refused);
    expect(session.connects).toEqual(['127.0.0.1:9001', '127.0.0.1:9002']);
    expect(session.responses.map((r) => [r.status, r.kind])).toEqual([[502, 'upstream_connect_failed']]);
    expect(app.backends.list.map((b) => [b.inFlight, b.refusals])).toEqual([[0, 1], [0, 1], [0, 0]]);
    expect(app.stats.inFlight).toBe(0);
    expect(app.stats.retries).toBe(1);
  });

  it('holds while the app has no backend and connects when one appears; a client that leaves is unheld', () => {
    const { state, ctx } = setup([{ name: 'zero', min_replicas: 0 }]);
    const app = state.apps.get('zero')!;
    const waiting = new Scripted(ctx, app, '/', '127.0.0.1', 1_000);
    const leaving = new Scripted(ctx, app, '/', '127.0.0.1', 1_000);
    waiting.start();
    leaving.start();
    expect(app.stats.waiting).toBe(2);
    leaving.leave();
    expect(app.stats.waiting).toBe(1);
    expect(app.stats.errors.some((n) => n > 0)).toBe(true);
    state.setRouter('zero', ['127.0.0.1:9001']);
    expect(waiting.connects).toEqual(['127.0.0.1:9001']);
    expect(app.stats.inFlight).toBe(1);
  });

  it('answers 503 no_backend with Retry-After when the app cannot hold', () => {
    const { state, ctx } = setup([{ name: 'empty', min_replicas: 1 }]);
    const app = state.apps.get('empty')!;
    const session = new Scripted(ctx, app, '/', '127.0.0.1', 1_000);
    session.start();
    expect(session.responses[0]).toMatchObject({ status: 503, kind: 'no_backend', headers: ['content-type', 'application/json', 'retry-after', '1'] });
    expect(app.stats.inFlight).toBe(0);
  });

  it('reads the handshake timeout from the live config', () => {
    const { state, ctx } = setup([{ name: 'chat', upstreams: ['127.0.0.1:9001'] }]);
    expect(ctx.options.handshakeTimeoutMs).toBe(65_000);
    state.applyConfig(testConfig('node', [{ name: 'chat', upstreams: ['127.0.0.1:9001'] }], { proxy: { timeouts: { connect: '1s', header: '2s' } } }));
    expect(ctx.options.handshakeTimeoutMs).toBe(3_000);
  });
});
