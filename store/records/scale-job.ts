/**
 * ScaleJob: the replica count the scaler wants for an app (design.md §4), at `vortex:queue:scale:<app>`.
 * Level-triggered: the reconciler converges to the latest value whenever it changes or it restarts,
 * so a missed watch event loses nothing. ManualScale is an operator's override (`vortex scale`,
 * `POST /api/v1/apps/<app>/scale`) at `vortex:manual:scale:<app>`: while it exists the scaler
 * writes its value as the target instead of the policy's.
 */
import * as z from 'zod';
import { keys } from '../keys.js';
import { defineRecord } from './record-type.js';

export const ScaleJob = defineRecord({
  name: 'scalejob',
  prefix: keys.scaleJobsAll,
  idField: 'app',
  indexes: [],
  schema: z.object({
    app: z.string().min(1),
    targetReplicas: z.number().int().nonnegative(),
    /** Why: `rps 480 / 100 per replica → 5`, `manual`, `idle 5m → 0`, ... */
    reason: z.string(),
    /** Epoch ms. */
    issuedAt: z.number().int().nonnegative(),
    /** The scaler leader that wrote it. */
    issuedBy: z.string().optional(),
  }),
});

export type ScaleJobValue = z.output<typeof ScaleJob.schema>;

export const ManualScale = defineRecord({
  name: 'manualscale',
  prefix: keys.manualScalesAll,
  idField: 'app',
  indexes: [],
  schema: z.object({
    app: z.string().min(1),
    replicas: z.number().int().nonnegative(),
    /** Epoch ms. */
    setAt: z.number().int().nonnegative(),
  }),
});

export type ManualScaleValue = z.output<typeof ManualScale.schema>;
