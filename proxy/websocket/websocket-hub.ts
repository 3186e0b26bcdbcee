/**
 * Every open proxied WebSocket of this proxy (or of this worker thread), whatever the engine: the
 * per-app open gauge (in the app's AppStats), the close-all of a shutdown, and the drain rule. A
 * backend removed from `router:<app>` keeps its open WebSockets (they count as in-flight on it, so
 * the reconciler's drain waits for them); once the app's `drain_timeout` has passed since the proxy
 * saw the backend leave, the proxy closes them itself with 1001 "going away", so the client gets a
 * clean close rather than whatever the stopped backend leaves behind.
 */
import type { AppState } from '../app-state.js';
import type { Backend } from '../backend.js';

/** After shutdown_timeout, how long WebSockets closed with 1001 get for their closing handshakes (ms). */
export const WEBSOCKET_CLOSE_GRACE_MS = 1_000;

/** How often open WebSockets are checked for a backend past its drain timeout (ms). */
export const DRAIN_SWEEP_MS = 1_000;

/** An open proxied WebSocket, as the hub drives it. */
export interface OpenWebSocket {
  readonly app: AppState;
  readonly backend: Backend | null;
  /** performance.now() when the sweep first saw its backend out of service; 0 while in service. */
  drainingSince: number;
  /** Closes both sides with `code` and `reason`, with a closing handshake. */
  goAway(code: number, reason: string): void;
  /** Closes both sides now: the client still gets `code`, the backend connection is cut. */
  terminate(code: number, reason: string): void;
}

/** The registry of open WebSockets. */
export class WebSocketHub {
  private readonly open = new Set<OpenWebSocket>();
  private timer: NodeJS.Timeout | null = null;
  private readonly emptied: Array<() => void> = [];

  /** performance.now() unless a test injects a clock (ms). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** WebSockets open now. */
  get size(): number {
    return this.open.size;
  }

  /** A WebSocket finished its handshake. */
  add(ws: OpenWebSocket): void {
    this.open.add(ws);
    ws.app.stats.websocketsOpen++;
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(this.now()), DRAIN_SWEEP_MS);
      this.timer.unref();
    }
  }

  /** A WebSocket closed on both sides (called once per add). */
  remove(ws: OpenWebSocket): void {
    if (!this.open.delete(ws)) return;
    ws.app.stats.websocketsOpen--;
    if (this.open.size > 0) return;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const resolve of this.emptied.splice(0)) resolve();
  }

  /**
   * Closes WebSockets whose backend left the router more than the app's drain_timeout ago (seen
   * at `now`, ms); remembers when each one's backend was first seen leaving. Runs every DRAIN_SWEEP_MS.
   */
  sweep(now: number): void {
    for (const ws of this.open) {
      const backend = ws.backend;
      if (backend === null || backend.state === 'ready') {
        ws.drainingSince = 0;
        continue;
      }
      if (ws.drainingSince === 0) ws.drainingSince = now;
      else if (now - ws.drainingSince >= ws.app.config.drain_timeout) ws.goAway(1001, 'backend removed');
    }
  }

  /**
   * Closes every open WebSocket with `code` (a shutdown: 1001), waits up to `graceMs` for the
   * closing handshakes, then cuts what is left.
   */
  async closeAll(code: number, reason: string, graceMs: number): Promise<void> {
    for (const ws of [...this.open]) ws.goAway(code, reason);
    if (this.open.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.emptied.push(resolve);
      timer = setTimeout(resolve, graceMs);
    });
    clearTimeout(timer);
    this.terminateAll(code, reason);
  }

  /** Cuts every open WebSocket now (clients still get `code` in a close frame). */
  terminateAll(code: number, reason: string): void {
    for (const ws of [...this.open]) ws.terminate(code, reason);
  }
}
