/**
 * The per-instance lock: at most one operation (start, probe, drain, replace, remove, stop) runs on an
 * instance at a time; a second one asked for while the first runs is refused, and the level-triggered
 * loop asks again after the first settles. Each operation gets an AbortSignal, so a died event can cut
 * a readiness probe short and close() can end everything.
 *
 * Bound: one entry per instance with an operation in flight; the reconciler starts at most
 * max_replicas-worth of instances per app, so the map stays as small as the fleet.
 */

/** What an operation does, for logs and for deciding whether a died event may abort it. */
export type OperationKind = 'start' | 'probe' | 'drain' | 'replace' | 'remove' | 'orphan';

interface Running {
  app: string;
  kind: OperationKind;
  controller: AbortController;
  done: Promise<void>;
}

/** Runs operations, one per instance id at a time; `onSettled(app, ok)` after each. */
export class InstanceOperations {
  readonly #running = new Map<string, Running>();

  constructor(private readonly onSettled: (app: string, ok: boolean, error?: unknown) => void) {}

  /** Starts `operation` on `instanceId` unless one is already running; returns whether it started. */
  run(app: string, instanceId: string, kind: OperationKind, operation: (signal: AbortSignal) => Promise<void>): boolean {
    if (this.#running.has(instanceId)) return false;
    const controller = new AbortController();
    const entry: Running = { app, kind, controller, done: Promise.resolve() };
    this.#running.set(instanceId, entry);
    entry.done = Promise.resolve()
      .then(() => operation(controller.signal))
      .then(
        () => ({ ok: true as const, error: undefined }),
        (error: unknown) => ({ ok: false as const, error }),
      )
      .then(({ ok, error }) => {
        this.#running.delete(instanceId);
        this.onSettled(app, ok, error);
      });
    return true;
  }

  /** Ids with an operation in flight for `app` (a snapshot). */
  busy(app: string): Set<string> {
    const ids = new Set<string>();
    for (const [id, entry] of this.#running) if (entry.app === app) ids.add(id);
    return ids;
  }

  /** Ids of `kind` operations in flight for `app` (a snapshot). */
  ofKind(app: string, kind: OperationKind): Set<string> {
    const ids = new Set<string>();
    for (const [id, entry] of this.#running) if (entry.app === app && entry.kind === kind) ids.add(id);
    return ids;
  }

  /** The kind of the operation running on `instanceId`, if any. */
  kindOf(instanceId: string): OperationKind | undefined {
    return this.#running.get(instanceId)?.kind;
  }

  /** Operations of `kind` in flight for `app`. */
  count(app: string, kind: OperationKind): number {
    let n = 0;
    for (const entry of this.#running.values()) if (entry.app === app && entry.kind === kind) n++;
    return n;
  }

  /** Aborts the operation on `instanceId` (its signal's reason is `reason`). */
  abort(instanceId: string, reason: Error): void {
    this.#running.get(instanceId)?.controller.abort(reason);
  }

  /** Aborts every operation and waits until all have settled. */
  async abortAll(reason: Error): Promise<void> {
    const pending = [...this.#running.values()];
    for (const entry of pending) entry.controller.abort(reason);
    await Promise.all(pending.map((entry) => entry.done));
  }
}
