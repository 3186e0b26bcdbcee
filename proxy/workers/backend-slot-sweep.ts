/**
 * Frees the shared slot of an app backend nothing can use any more: it is in no list of the main
 * state (listed, or draining with requests), every live worker has applied a version in which it was
 * gone (so none can pick it again), and no thread has a request on it. Until then the slot keeps
 * counting its last requests. The workers learn of a release (FleetMemory.takeUpdate) before the
 * index can be handed out again.
 */
import type { ProxyState } from '../proxy-state.js';
import { backendInFlightTotal } from './fleet-counters.js';
import type { FleetMemory } from './fleet-memory.js';
import { backendKey } from './shared-layout.js';

/** The main thread's sweeper of backend slots. */
export class BackendSlotSweep {
  /** Backend keys out of every list, with the newest version posted when that was first seen. */
  private readonly unlistedAt = new Map<string, number>();

  constructor(
    private readonly state: ProxyState,
    private readonly memory: FleetMemory,
  ) {}

  /** `version`: the newest version posted to the workers; `oldestAck`: the oldest one every live worker applied. */
  run(version: number, oldestAck: number): void {
    const listed = new Set<string>();
    for (const app of this.state.apps.values()) {
      for (const backend of app.backends.list) listed.add(backendKey(app.name, backend.address));
      for (const backend of app.backends.draining) if (backend.state !== 'closed') listed.add(backendKey(app.name, backend.address));
    }
    for (const [key, index] of [...this.memory.backends.entries()]) {
      if (listed.has(key)) {
        this.unlistedAt.delete(key);
        continue;
      }
      const since = this.unlistedAt.get(key);
      if (since === undefined) this.unlistedAt.set(key, version);
      else if (oldestAck >= since && backendInFlightTotal(this.memory.layout, index) === 0) {
        this.unlistedAt.delete(key);
        this.memory.releaseBackend(key);
      }
    }
  }
}
