/**
 * ContainerRecord: one backend instance as the reconciler knows it (design.md §4), at
 * `vortex:container:<id>`, indexed by app and status so "the Running backends of hello" is one range.
 */
import * as z from 'zod';
import { keys } from '../keys.js';
import { defineRecord } from './record-type.js';

export const CONTAINER_STATUSES = ['Provisioning', 'Running', 'Draining', 'Dead'] as const;

export const ContainerRecord = defineRecord({
  name: 'container',
  prefix: keys.containersAll,
  idField: 'id',
  indexes: ['app', 'status'],
  schema: z.object({
    id: z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, 'ids are letters, digits, ".", "_" and "-"'),
    app: z.string().min(1),
    status: z.enum(CONTAINER_STATUSES),
    /** `host:port` the proxy forwards to. */
    address: z.string().min(1),
    plugin: z.string().min(1),
    image: z.string().optional(),
    /** Epoch milliseconds. */
    startedAt: z.number().int().nonnegative(),
    /** Last time the status changed, epoch ms. */
    updatedAt: z.number().int().nonnegative().optional(),
    /** Why it is Dead or Draining, for `vortex status` and events. */
    reason: z.string().optional(),
  }),
});

export type ContainerRecordValue = z.output<typeof ContainerRecord.schema>;
