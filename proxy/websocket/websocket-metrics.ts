/**
 * The WebSocket series of /metrics, in metrics.ts's way: sessions bump the plain numbers of their
 * app's AppStats and these metrics copy them at scrape time (with worker threads, after the main
 * thread summed every worker's block). An open WebSocket also counts in
 * `vortex_inflight_requests` (it is in-flight work on its backend) and its upgrade in
 * `vortex_requests_total` (code 101, or the refusal's status).
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { AppState } from '../app-state.js';
import { UPGRADE_OUTCOMES } from './upgrade-outcomes.js';

/**
 * Adds `vortex_websocket_upgrades_total{app,outcome}` and `vortex_websockets_open{app}` to
 * `registry`; `apps` gives the apps with their counters refreshed (createProxyMetrics' apps()).
 */
export function registerWebSocketMetrics(registry: Registry, apps: () => Iterable<AppState>): void {
  const registers = [registry];
  new Counter({
    name: 'vortex_websocket_upgrades_total',
    help: 'WebSocket upgrade requests that reached an app, by outcome (upgraded, refused by the backend, failed, client_aborted, lost: 101 sent but the connection closed at once by uWS)',
    labelNames: ['app', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const app of apps()) {
        const upgrades = app.stats.websocketUpgrades;
        for (let i = 0; i < UPGRADE_OUTCOMES.length; i++) this.inc({ app: app.name, outcome: UPGRADE_OUTCOMES[i]! }, upgrades[i]);
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
      for (const app of apps()) this.set({ app: app.name }, app.stats.websocketsOpen);
    },
  });
}
