/**
 * `GET /api/v1/events?app=<name>&limit=<n>`: recent scale, heal and recovery events
 * (`vortex:event:<app>:<seq>`), newest first. Without `app`, the events of every configured app,
 * merged by sequence. `limit` defaults to DEFAULT_EVENT_LIMIT and may be at most MAX_EVENT_LIMIT;
 * writers keep about 200 events per app (EVENT_RETENTION), so that is the most one app can show.
 */
import type { AppConfig } from '../../config/resolve.js';
import type { ScaleEventValue } from '../../store/records/scale-event.js';
import type { Store } from '../../store/store.js';
import { compareText } from '../../store/keys.js';
import type { AdminServer } from '../admin-server.js';
import { badRequest, unknownApp } from './api-answers.js';
import type { EventsResponse } from './api-types.js';
import { readRecentEvents } from './app-snapshot.js';

/** Events answered when the request names no `limit`. */
export const DEFAULT_EVENT_LIMIT = 100;
/** The largest `limit` accepted. */
export const MAX_EVENT_LIMIT = 1000;

/** `limit` from the query string, or the message of a 400 answer. */
export function parseEventLimit(text: string | null): { ok: true; limit: number } | { ok: false; message: string } {
  if (text === null) return { ok: true, limit: DEFAULT_EVENT_LIMIT };
  const limit = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= MAX_EVENT_LIMIT)) return { ok: false, message: `limit: must be a whole number from 1 to ${MAX_EVENT_LIMIT} (got ${JSON.stringify(text)})` };
  return { ok: true, limit };
}

/** The sequence part of an event id (`<app>:<zero-padded seq>`): compares as text in time order. */
function sequenceOf(event: ScaleEventValue): string {
  return event.id.slice(event.id.lastIndexOf(':') + 1);
}

/** Merges per-app lists (each newest first) into the newest `limit` events overall. */
export function newestEvents(lists: Iterable<readonly ScaleEventValue[]>, limit: number): ScaleEventValue[] {
  const all = [...lists].flat();
  all.sort((a, b) => {
    const bySequence = compareText(sequenceOf(b), sequenceOf(a));
    return bySequence !== 0 ? bySequence : compareText(a.app, b.app);
  });
  return all.slice(0, limit);
}

/** Registers `GET /api/v1/events` on `admin`. */
export function registerEventsApi(admin: AdminServer, options: { store: Store; apps: () => readonly AppConfig[] }): void {
  admin.route('GET', '/api/v1/events', async ({ url }) => {
    const limit = parseEventLimit(url.searchParams.get('limit'));
    if (!limit.ok) return badRequest('invalid_request', limit.message);
    const app = url.searchParams.get('app');
    const names = options.apps().map((config) => config.name);
    if (app !== null && !names.includes(app)) return unknownApp(app);
    const lists = await readRecentEvents(options.store, app === null ? names : [app], limit.limit);
    const body: EventsResponse = { events: newestEvents(lists.values(), limit.limit) };
    return { status: 200, body };
  });
}
