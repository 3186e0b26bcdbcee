/**
 * Scale, heal and recovery events (design.md §4) at `vortex:event:<app>:<seq>`, for `vortex status`,
 * `GET /api/v1/events` and the dashboard. `seq` is the writer's epoch-ms timestamp times 1000 plus a
 * counter, zero-padded, so keys sort by time. Writers keep the newest `EVENT_RETENTION` per app.
 */
import * as z from 'zod';
import { keys } from '../keys.js';
import { defineRecord } from './record-type.js';

/** Events kept per app; older ones are deleted by the writer. */
export const EVENT_RETENTION = 200;

export const EVENT_KINDS = ['scale', 'start', 'ready', 'drain', 'stop', 'died', 'replace', 'adopt', 'orphan', 'error'] as const;

export const ScaleEvent = defineRecord({
  name: 'event',
  prefix: keys.eventsAll,
  idField: 'id',
  indexes: [],
  schema: z.object({
    /** `<app>:<seq>`: the key without its prefix. */
    id: z.string().min(1),
    app: z.string().min(1),
    kind: z.enum(EVENT_KINDS),
    message: z.string(),
    /** The instance concerned, when there is one. */
    instanceId: z.string().optional(),
    /** Epoch ms. */
    at: z.number().int().nonnegative(),
    /** For errors: the stable error code (VX_PROVIDER_IMAGE_MISSING, ...). */
    code: z.string().optional(),
  }),
});

export type ScaleEventValue = z.output<typeof ScaleEvent.schema>;
