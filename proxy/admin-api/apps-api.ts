/**
 * The `/api/v1` admin routes (design.md §9, docs/admin-api.md): `GET /api/v1/apps`,
 * `GET /api/v1/apps/:name`, `POST` and `DELETE /api/v1/apps/:name/scale`, and (events-api.ts)
 * `GET /api/v1/events`. They read and write the store only; the apps come from a getter so a SIGHUP
 * reload shows at once. The admin server's bearer token guards them all.
 *
 * A scale request writes the ManualScale record (`vortex:manual:scale:<app>`); the leading scaler
 * watches it and makes it the app's ScaleJob target until it is cleared, so the answer is 202: the
 * override is stored, the backends follow as the reconciler converges.
 */
import type { AppConfig } from '../../config/resolve.js';
import { compareText, keys } from '../../store/keys.js';
import { Records } from '../../store/records/records.js';
import { ManualScale } from '../../store/records/scale-job.js';
import type { ManualScaleValue } from '../../store/records/scale-job.js';
import type { KeyValue, Store } from '../../store/store.js';
import type { AdminRequest, AdminResponse, AdminServer } from '../admin-server.js';
import { badRequest, unknownApp } from './api-answers.js';
import type { AppDetailResponse, AppsResponse, ScaleResponse } from './api-types.js';
import { readAppSnapshots } from './app-snapshot.js';
import { ERROR_SCAN, summarizeApp } from './app-status.js';
import { registerEventsApi } from './events-api.js';
import { readJsonBody } from './json-body.js';
import { checkScaleRequest } from './scale-request.js';

/** Events shown with one app (`GET /api/v1/apps/:name`), newest first. */
export const DETAIL_EVENTS = 50;

/** What the apps API needs. */
export interface AppsApiOptions {
  store: Store;
  /** The running config's apps; read on every request (a reload replaces them). */
  apps: () => readonly AppConfig[];
  /** Epoch-ms time for ManualScale.setAt; default Date.now. */
  now?: () => number;
}

/** Registers the `/api/v1` routes on `admin`. */
export function registerAppsApi(admin: AdminServer, options: AppsApiOptions): void {
  const { store } = options;
  const records = new Records(store);
  const now = options.now ?? Date.now;
  const appNamed = (name: string) => options.apps().find((app) => app.name === name);

  admin.route('GET', '/api/v1/apps', async () => {
    const apps = options.apps();
    const { revision, snapshots } = await readAppSnapshots(store, apps.map((app) => app.name), ERROR_SCAN);
    const body: AppsResponse = { revision, apps: apps.map((app) => summarizeApp(app, snapshots.get(app.name)!)) };
    return { status: 200, body };
  });

  admin.route('GET', '/api/v1/apps/:name', async ({ params }) => {
    const app = appNamed(params.name!);
    if (app === undefined) return unknownApp(params.name!);
    const { revision, snapshots } = await readAppSnapshots(store, [app.name], Math.max(DETAIL_EVENTS, ERROR_SCAN));
    const snapshot = snapshots.get(app.name)!;
    const instances = [...snapshot.containers].sort((a, b) => a.startedAt - b.startedAt || compareText(a.id, b.id));
    const body: AppDetailResponse = { revision, ...summarizeApp(app, snapshot), instances, events: snapshot.recentEvents.slice(0, DETAIL_EVENTS) };
    return { status: 200, body };
  });

  const previousOf = (kv: KeyValue | undefined): ManualScaleValue | null => {
    if (kv === undefined) return null;
    try {
      return records.decode(ManualScale, kv).record;
    } catch {
      return null; // an unreadable override is replaced or removed all the same
    }
  };

  // ManualScale has no indexes, so a plain put or delete of its key is the whole record write; with
  // prevKv the answer tells what it replaced, atomically.
  const scale = async (req: AdminRequest): Promise<AdminResponse> => {
    const app = appNamed(req.params.name!);
    if (app === undefined) return unknownApp(req.params.name!);
    let replicas: number | null = null;
    if (req.method === 'POST') {
      const body = await readJsonBody(req.raw);
      if (!body.ok) return badRequest(body.error, body.message, app.name);
      const check = checkScaleRequest(app, body.value);
      if (!check.ok) return badRequest(check.error, check.message, app.name);
      replicas = check.replicas;
    }
    const key = keys.manualScale(app.name);
    let answer: ScaleResponse;
    if (replicas === null) {
      const { prevKvs } = await store.delete({ key }, { prevKv: true });
      answer = { app: app.name, manual: null, previous: previousOf(prevKvs[0]) };
    } else {
      const manual = ManualScale.schema.parse({ app: app.name, replicas, setAt: now() });
      const { prevKv } = await store.put(key, JSON.stringify(manual), { prevKv: true });
      answer = { app: app.name, manual, previous: previousOf(prevKv) };
    }
    return { status: 202, body: answer };
  };
  admin.route('POST', '/api/v1/apps/:name/scale', scale);
  admin.route('DELETE', '/api/v1/apps/:name/scale', scale);

  registerEventsApi(admin, options);
}
