/**
 * WebSocket counters per app, plain numbers bumped by the sessions and copied by /metrics at scrape
 * time (metrics.ts's pattern). An open WebSocket is also in the app's and its backend's in-flight
 * counts (AppStats.inFlight, Backend.inFlight): those are what telemetry reports and the
 * reconciler's drain waits on; these add what only WebSockets have.
 */

/**
 * How an upgrade request that reached an app ended: `upgraded` (101 relayed), `refused` (the backend
 * answered without 101; its status was relayed), `failed` (the proxy answered: no backend, hold
 * timeout, upstream unreachable, timeout or invalid), `client_aborted` (the client left during the
 * handshake), `lost` (the 101 went out but uWS closed the connection at once: a bug of the uWS build,
 * see uws-websocket-session.ts). Requests refused before routing (404, 429, 400, shutting down) are
 * counted with HTTP's.
 */
export const UPGRADE_OUTCOMES = ['upgraded', 'refused', 'failed', 'client_aborted', 'lost'] as const;

/** One of {@link UPGRADE_OUTCOMES}. */
export type UpgradeOutcome = (typeof UPGRADE_OUTCOMES)[number];

const OUTCOME_INDEX: Readonly<Record<UpgradeOutcome, number>> = Object.freeze(
  Object.fromEntries(UPGRADE_OUTCOMES.map((outcome, i) => [outcome, i])) as Record<UpgradeOutcome, number>,
);

/** Monotonic upgrade counts and the open gauge of one app. */
export class WebSocketStats {
  /** Upgrade requests by outcome, index as in UPGRADE_OUTCOMES. */
  readonly upgrades = new Float64Array(UPGRADE_OUTCOMES.length);
  /** WebSockets open now (upgraded, not yet closed on both sides). */
  open = 0;

  /** Counts one upgrade request's outcome. */
  count(outcome: UpgradeOutcome): void {
    this.upgrades[OUTCOME_INDEX[outcome]]!++;
  }
}
