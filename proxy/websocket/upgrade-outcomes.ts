/**
 * How a WebSocket upgrade request that reached an app ended. The counts live in the app's AppStats
 * block (`websocketUpgrades`, with the `websocketsOpen` gauge), so with worker threads they are
 * shared and summed like every other counter.
 */
import { counterIndex } from '../counter-index.js';

/**
 * `upgraded` (101 relayed), `refused` (the backend answered without 101; its status was relayed),
 * `failed` (the proxy answered: no backend, hold timeout, upstream unreachable, timeout or invalid),
 * `client_aborted` (the client left during the handshake), `lost` (the 101 went out but uWS closed
 * the connection at once: a bug of the uWS build, see uws-websocket-session.ts). Requests refused
 * before routing (404, 429, 400, shutting down) are counted with HTTP's.
 */
export const UPGRADE_OUTCOMES = ['upgraded', 'refused', 'failed', 'client_aborted', 'lost'] as const;

/** One of {@link UPGRADE_OUTCOMES}. */
export type UpgradeOutcome = (typeof UPGRADE_OUTCOMES)[number];

/** Index of each outcome in UPGRADE_OUTCOMES (and in AppStats.websocketUpgrades). */
export const UPGRADE_INDEX = counterIndex(UPGRADE_OUTCOMES);
