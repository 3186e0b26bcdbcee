/**
 * Turns engine events and periodic listings into ProviderEvents, each reported once. Pure: the event
 * stream in docker-provider.ts feeds it. Why both inputs: the engine forgets its event history when
 * it restarts, so after every (re)connect the stream is followed by a listing, and the difference
 * between what the tracker believed and what the listing shows becomes events (Traefik's "on each
 * reconnect, list again"). Replayed or repeated input is harmless: a `died` is reported only for a
 * container not already known dead, a `started` only for one not already known alive.
 *
 * Memory: one entry per managed container the engine still has; `destroy` events and listings drop
 * the rest, so the map is bounded by the number of managed containers.
 */
import type { Instance, ProviderEvent } from '../provider.js';
import type { EngineEvent } from './engine-events.js';

/** One container of a listing: the instance it stands for and whether it runs. */
export interface ListedContainer {
  instance: Instance;
  running: boolean;
}

interface Belief {
  alive: boolean;
  app: string;
  instanceId: string;
}

/** One subscription's view of which managed containers are alive; reports each change once. */
export class LifecycleTracker {
  readonly #beliefs = new Map<string, Belief>();

  /** `stoppedByUs(id)`: the provider stopped this container itself, so its `die` is not news to the reconciler. */
  constructor(private readonly stoppedByUs: (id: string) => boolean = () => false) {}

  /** The ProviderEvent an engine event means, if any. */
  observe(event: EngineEvent): ProviderEvent | undefined {
    if (event.action === 'destroy') {
      const wasAlive = this.#beliefs.get(event.id)?.alive === true;
      this.#beliefs.delete(event.id);
      // A destroy without a die first (removed while its die was lost) still means it is gone.
      return wasAlive ? this.#died(event.id, event.app, event.instanceId, event.at) : undefined;
    }
    const alive = event.action === 'start';
    if (this.#beliefs.get(event.id)?.alive === alive) return undefined;
    this.#beliefs.set(event.id, { alive, app: event.app, instanceId: event.instanceId });
    if (alive) return { type: 'started', id: event.id, app: event.app, instanceId: event.instanceId, at: event.at };
    return this.#died(event.id, event.app, event.instanceId, event.at, event.exitCode);
  }

  /**
   * Reconciles belief with a full listing of managed containers and reports the differences: started,
   * exited, or vanished altogether. `initial`: the first listing of a subscription reports only the
   * containers that are already dead (a subscriber learns of every dead instance, however early it
   * died, and a kill racing the subscription is never lost); running ones are its baseline.
   */
  resync(listed: readonly ListedContainer[], initial: boolean, now: number): ProviderEvent[] {
    const events: ProviderEvent[] = [];
    const seen = new Set<string>();
    for (const { instance, running } of listed) {
      seen.add(instance.id);
      const believed = this.#beliefs.get(instance.id)?.alive;
      this.#beliefs.set(instance.id, { alive: running, app: instance.app, instanceId: instance.instanceId });
      if (believed === running || (initial && running)) continue;
      if (running) events.push({ type: 'started', id: instance.id, app: instance.app, instanceId: instance.instanceId, at: now });
      else {
        const died = this.#died(instance.id, instance.app, instance.instanceId, now);
        if (died) events.push(died);
      }
    }
    for (const [id, belief] of this.#beliefs) {
      if (seen.has(id)) continue;
      this.#beliefs.delete(id);
      // Removed while we were not looking.
      if (belief.alive && !initial) {
        const died = this.#died(id, belief.app, belief.instanceId, now);
        if (died) events.push(died);
      }
    }
    return events;
  }

  /** How many containers the tracker holds state for. */
  get size(): number {
    return this.#beliefs.size;
  }

  #died(id: string, app: string, instanceId: string, at: number, exitCode?: number): ProviderEvent | undefined {
    if (this.stoppedByUs(id)) return undefined;
    return { type: 'died', id, app, instanceId, at, ...(exitCode === undefined ? {} : { exitCode }) };
  }
}
