/**
 * The WebSocket series of /metrics, in metrics.ts's way: sessions bump WebSocketStats' plain
 * numbers and these metrics copy them at scrape time. An open WebSocket also counts in
 * `vortex_inflight_requests` (it is in-flight work on its backend) and its upgrade in
 * `vortex_requests_total` (code 101, or the refusal's status).
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { MetricsSource } from '../metrics.js';
import type { WebSocketHub } from './websocket-hub.js';
import { UPGRADE_OUTCOMES } from './websocket-stats.js';

/** Adds `vortex_websocket_upgrades_total{app,outcome}` and `vortex_websockets_open{app}` to `registry`. */
export function registerWebSocketMetrics(registry: Registry, source: MetricsSource, hub: WebSocketHub): void {
  const registers = [registry];
  new Counter({
    name: 'vortex_websocket_upgrades_total',
    help: 'WebSocket upgrade requests that reached an app, by outcome (upgraded, refused by the backend, failed, client_aborted, lost: 101 sent but the connection closed at once by uWS)',
    labelNames: ['app', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const app of source.apps.values()) {
        const upgrades = hub.statsOf(app).upgrades;
        for (let i = 0; i < UPGRADE_OUTCOMES.length; i++) this.inc({ app: app.name, outcome: UPGRADE_OUTCOMES[i]! }, upgrades[i] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'vortex_websockets_open',
    help: 'Proxied WebSockets open now (each is also in vortex_inflight_requests)',
    labelNames: ['app'],
    registers,
    collect() {
      this.reset();
      for (const app of source.apps.values()) this.set({ app: app.name }, hub.statsOf(app).open);
    },
  });
}
