/**
 * What the main thread and its worker threads say to each other (postMessage, structured clone;
 * SharedArrayBuffers inside are shared, not copied). Every change a worker applies carries a
 * version, and the worker acknowledges it, so the main thread knows when no worker can still route
 * to a backend it removed (see WorkerFleet's slot sweep).
 */
import type { VortexConfig } from '../../config/resolve.js';
import type { SlotUpdate } from './fleet-memory.js';
import type { SharedLayout } from './shared-layout.js';

/** workerData of a worker thread. */
export interface WorkerInit {
  readonly thread: number;
  readonly layout: SharedLayout;
  readonly host: string;
  readonly port: number;
  readonly config: VortexConfig;
  /** Every router list the main thread knows, by app name. */
  readonly routers: [string, string[]][];
  readonly slots: SlotUpdate;
  readonly version: number;
}

/** Main → worker. */
export type ToWorker =
  | { readonly type: 'config'; readonly version: number; readonly config: VortexConfig; readonly slots: SlotUpdate }
  | { readonly type: 'router'; readonly version: number; readonly app: string; readonly addresses: string[]; readonly slots: SlotUpdate }
  /** Graceful: stop accepting, let in-flight requests finish for up to `timeoutMs`, then exit. */
  | { readonly type: 'close'; readonly timeoutMs: number }
  /** Cut every connection now and exit. */
  | { readonly type: 'destroy' };

/** Worker → main. */
export type FromWorker =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'listen-failed'; readonly message: string }
  | { readonly type: 'applied'; readonly version: number }
  /** An app's held requests went from none to some in this worker (scale from zero). */
  | { readonly type: 'demand'; readonly app: string }
  | { readonly type: 'log'; readonly level: 'info' | 'warn'; readonly fields: Record<string, unknown>; readonly message: string }
  /** An uncaught error: the worker closed its listener and exits with code 1. */
  | { readonly type: 'fatal'; readonly message: string; readonly stack: string | undefined };
