/**
 * The `/api/v1` wire contract (docs/admin-api.md): zod schemas of every answer, so the server builds
 * exactly these shapes and a client (`vortex status`, `vortex scale`) validates what it receives at
 * the boundary. Objects are loose: a newer server may add fields, which an older client keeps (its
 * `--json` passes them on) without reading them. Times are epoch milliseconds; field names follow
 * the store records (camelCase).
 */
import * as z from 'zod';
import { CONTAINER_STATUSES } from '../../store/records/container-record.js';
import { EVENT_KINDS } from '../../store/records/scale-event.js';

const count = () => z.number().int().nonnegative();

/** The scaler's current target (the ScaleJob), as the API shows it. */
export const DesiredSchema = z.looseObject({
  replicas: count(),
  reason: z.string(),
  issuedAt: count(),
  issuedBy: z.string().optional(),
});

/** An operator's override (the ManualScale record). */
export const ManualSchema = z.looseObject({
  app: z.string(),
  replicas: count(),
  setAt: count(),
});

/** One event (the ScaleEvent record). */
export const EventSchema = z.looseObject({
  id: z.string(),
  app: z.string(),
  kind: z.enum(EVENT_KINDS),
  message: z.string(),
  instanceId: z.string().optional(),
  at: count(),
  code: z.string().optional(),
});

/** One backend instance (the ContainerRecord). */
export const InstanceSchema = z.looseObject({
  id: z.string(),
  app: z.string(),
  status: z.enum(CONTAINER_STATUSES),
  address: z.string(),
  plugin: z.string(),
  image: z.string().optional(),
  startedAt: count(),
  updatedAt: count().optional(),
  reason: z.string().optional(),
});

/** One app in `GET /api/v1/apps`. */
export const AppSummarySchema = z.looseObject({
  name: z.string(),
  /** `docker`, `process`, `static`, or the module path of a third-party plugin. */
  plugin: z.string(),
  minReplicas: count(),
  maxReplicas: count(),
  desired: DesiredSchema.nullable(),
  manual: ManualSchema.nullable(),
  /** ContainerRecords by status. */
  ready: count(),
  provisioning: count(),
  draining: count(),
  dead: count(),
  /** `router:<app>`: the addresses the proxies route to. */
  backends: z.array(z.string()),
  /** Summed over the live proxies' latest telemetry windows. */
  rps: z.number().nonnegative(),
  inflight: count(),
  /** The highest p99 any live proxy reports (percentiles cannot be summed). */
  p99Ms: z.number().nonnegative(),
  /** Live proxies reporting on the app. */
  proxies: count(),
  /** The newest error event, unless an instance started, became ready or was adopted since. */
  error: EventSchema.nullable(),
});

/** `GET /api/v1/apps`. */
export const AppsResponseSchema = z.looseObject({
  /** The store revision the answer was read at. */
  revision: count(),
  apps: z.array(AppSummarySchema),
});

/** `GET /api/v1/apps/:name`. */
export const AppDetailResponseSchema = AppSummarySchema.extend({
  revision: count(),
  instances: z.array(InstanceSchema),
  /** The app's newest events, newest first. */
  events: z.array(EventSchema),
});

/** `POST /api/v1/apps/:name/scale` and `DELETE` of it: what is stored now and what was before. */
export const ScaleResponseSchema = z.looseObject({
  app: z.string(),
  manual: ManualSchema.nullable(),
  previous: ManualSchema.nullable(),
});

/** `POST /api/v1/reload`: the config file re-read and applied, and the keys that still need a restart. */
export const ReloadResponseSchema = z.looseObject({
  reloaded: z.literal(true),
  file: z.string(),
  apps: z.array(z.string()),
  needsRestart: z.array(z.string()),
});

/** `GET /api/v1/events`. */
export const EventsResponseSchema = z.looseObject({
  events: z.array(EventSchema),
});

/** Every error answer: a stable kind (`unknown_app`, `invalid_request`, ...) and details. */
export const ApiErrorSchema = z.looseObject({
  error: z.string(),
  message: z.string().optional(),
  app: z.string().optional(),
});

/** One app in `GET /api/v1/apps`. */
export type AppSummary = z.output<typeof AppSummarySchema>;
/** The body of `GET /api/v1/apps`. */
export type AppsResponse = z.output<typeof AppsResponseSchema>;
/** The body of `GET /api/v1/apps/:name`. */
export type AppDetailResponse = z.output<typeof AppDetailResponseSchema>;
/** The body of a scale answer (202). */
export type ScaleResponse = z.output<typeof ScaleResponseSchema>;
/** The body of a reload answer (200). */
export type ReloadResponse = z.output<typeof ReloadResponseSchema>;
/** The body of `GET /api/v1/events`. */
export type EventsResponse = z.output<typeof EventsResponseSchema>;
/** The body of every error answer. */
export type ApiError = z.output<typeof ApiErrorSchema>;
