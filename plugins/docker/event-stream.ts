/**
 * Follows the engine's event stream for managed containers and never gives up on a transient failure:
 * when the stream ends (engine restart) or cannot be opened (engine down), it waits with exponential
 * backoff and connects again. After every connect it lists the managed containers, so whatever
 * happened while disconnected (a container that died with the engine) is still reported once, by the
 * LifecycleTracker. Ends only when `signal` aborts or the consumer stops iterating.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { ProviderContext, ProviderEvent } from '../provider.js';
import { engineFailure } from './engine-errors.js';
import { LineSplitter, parseEventLine } from './engine-events.js';
import { MANAGED_FILTER } from './labels.js';
import type { LifecycleTracker, ListedContainer } from './lifecycle-tracker.js';

/** Reconnect delays, ms: the first retry waits `initialMs`, each further one doubles, up to `maxMs`. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** What {@link followEngineEvents} needs; `list` is the provider's own listing, with running state. */
export interface EventStreamOptions {
  docker: Docker;
  list: () => Promise<ListedContainer[]>;
  tracker: LifecycleTracker;
  signal: AbortSignal;
  backoff: Backoff;
  logger: ProviderContext['logger'];
  now?: () => number;
}

/** The delay before reconnect attempt `failures` (1-based). */
export function backoffDelay(backoff: Backoff, failures: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
}

/** ProviderEvents for managed containers, across engine restarts, until `signal` aborts. */
export async function* followEngineEvents(options: EventStreamOptions): AsyncGenerator<ProviderEvent> {
  const { docker, tracker, signal, logger } = options;
  const now = options.now ?? Date.now;
  let initial = true;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const stream = (await docker.getEvents({
        filters: { type: ['container'], event: ['start', 'die', 'destroy'], label: [MANAGED_FILTER] },
        abortSignal: signal,
      })) as unknown as AsyncIterable<Buffer>;
      // Listed after the stream opened: a change in between shows in the listing, the stream, or both,
      // and the tracker reports it once. No `since` replay on reconnect: replayed history would run
      // beliefs backwards (an old start after a newer listing), and the listing already covers the gap.
      for (const event of tracker.resync(await options.list(), initial, now())) yield event;
      if (!initial) logger.info({ failures }, 'docker: event stream reconnected');
      initial = false;
      failures = 0;
      const lines = new LineSplitter();
      for await (const chunk of stream) {
        for (const line of lines.push(chunk)) {
          const parsed = parseEventLine(line);
          if (parsed === undefined) continue;
          const event = tracker.observe(parsed);
          if (event !== undefined) yield event;
        }
      }
      if (lines.dropped > 0) logger.warn({ dropped: lines.dropped }, 'docker: dropped oversized event lines');
      logger.warn({}, 'docker: event stream ended (engine restarting?); reconnecting');
    } catch (err) {
      if (signal.aborted) return;
      logger.warn({ error: engineFailure(err).message }, 'docker: event stream failed; reconnecting');
    }
    failures++;
    try {
      await delay(backoffDelay(options.backoff, failures), undefined, { signal });
    } catch {
      return; // aborted while waiting
    }
  }
}
