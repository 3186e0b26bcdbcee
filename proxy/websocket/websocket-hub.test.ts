import { describe, expect, it, onTestFinished } from 'vitest';
import { testConfig } from '../../test/helpers/proxy-harness.js';
import type { AppState } from '../app-state.js';
import type { Backend } from '../backend.js';
import { createProxyMetrics } from '../metrics.js';
import { ProxyState } from '../proxy-state.js';
import { WebSocketHub } from './websocket-hub.js';
import type { OpenWebSocket } from './websocket-hub.js';

function proxyState(): ProxyState {
  const state = new ProxyState(
    testConfig('node', [{ name: 'chat', upstreams: ['127.0.0.1:9001', '127.0.0.1:9002'], drain_timeout: '10s' }]),
  );
  onTestFinished(() => state.destroy());
  return state;
}

/** An open WebSocket that records what the hub asks of it. */
class Recorded implements OpenWebSocket {
  drainingSince = 0;
  readonly asked: string[] = [];

  constructor(
    readonly app: AppState,
    readonly backend: Backend | null,
  ) {}

  goAway(code: number, reason: string): void {
    this.asked.push(`goAway ${code} ${reason}`);
  }

  terminate(code: number): void {
    this.asked.push(`terminate ${code}`);
  }
}

describe('WebSocketHub', () => {
  it('closes a WebSocket with 1001 once its backend has been out of the router for drain_timeout', () => {
    const state = proxyState();
    const chat = state.apps.get('chat')!;
    const [first, second] = chat.backends.list;
    let now = 1_000;
    // The hub's own 1 s sweep reads the same scripted clock, so it cannot disturb the timeline.
    const hub = new WebSocketHub(() => now);
    const onRemoved = new Recorded(chat, first!);
    const onKept = new Recorded(chat, second!);
    hub.add(onRemoved);
    hub.add(onKept);
    onTestFinished(() => {
      hub.remove(onRemoved);
      hub.remove(onKept);
    });
    hub.sweep(now);
    state.setRouter('chat', ['127.0.0.1:9002']);
    hub.sweep((now = 2_000)); // first seen draining
    hub.sweep((now = 11_999));
    expect(onRemoved.asked).toEqual([]);
    hub.sweep((now = 12_000));
    expect(onRemoved.asked).toEqual(['goAway 1001 backend removed']);
    expect(onKept.asked).toEqual([]);
  });

  it('counts open WebSockets per app, and close-all waits for them up to its grace, then cuts the rest', async () => {
    const state = proxyState();
    const chat = state.apps.get('chat')!;
    const hub = new WebSocketHub();
    const polite = new Recorded(chat, null);
    const stubborn = new Recorded(chat, null);
    polite.goAway = (code) => {
      polite.asked.push(`goAway ${code}`);
      queueMicrotask(() => hub.remove(polite));
    };
    hub.add(polite);
    hub.add(stubborn);
    expect(chat.stats.websocketsOpen).toBe(2);
    await hub.closeAll(1001, 'going away', 50);
    expect(polite.asked).toEqual(['goAway 1001']);
    expect(stubborn.asked).toEqual(['goAway 1001 going away', 'terminate 1001']);
    expect(chat.stats.websocketsOpen).toBe(1);
    hub.remove(stubborn);
    hub.remove(stubborn);
    expect(chat.stats.websocketsOpen).toBe(0);
    expect(hub.size).toBe(0);
  });

  it('exposes upgrades by outcome and open WebSockets through /metrics', async () => {
    const state = proxyState();
    const chat = state.apps.get('chat')!;
    chat.stats.countUpgrade('upgraded');
    chat.stats.countUpgrade('upgraded');
    chat.stats.countUpgrade('refused');
    chat.stats.websocketsOpen = 1;
    const text = await createProxyMetrics(state).metrics();
    expect(text).toContain('vortex_websocket_upgrades_total{app="chat",outcome="upgraded"} 2');
    expect(text).toContain('vortex_websocket_upgrades_total{app="chat",outcome="refused"} 1');
    expect(text).toContain('vortex_websocket_upgrades_total{app="chat",outcome="failed"} 0');
    expect(text).toContain('vortex_websockets_open{app="chat"} 1');
  });
});
