import { describe, expect, it } from 'vitest';
import type { Instance } from '../provider.js';
import type { EngineEvent } from './engine-events.js';
import { LifecycleTracker } from './lifecycle-tracker.js';

function ev(action: EngineEvent['action'], id = 'c1', extra: Partial<EngineEvent> = {}): EngineEvent {
  return { action, id, app: 'hello', instanceId: `i-${id}`, at: 5, ...extra };
}
function listed(id: string, running: boolean): { instance: Instance; running: boolean } {
  return { instance: { id, app: 'hello', instanceId: `i-${id}`, address: '127.0.0.1:1', startedAt: 0, labels: {} }, running };
}

describe('LifecycleTracker', () => {
  it('reports start and die once each, however often the engine repeats them', () => {
    const tracker = new LifecycleTracker();
    const out = [ev('start'), ev('start'), ev('die', 'c1', { exitCode: 137 }), ev('die'), ev('destroy')].map((e) => tracker.observe(e));
    expect(out).toEqual([
      { type: 'started', id: 'c1', app: 'hello', instanceId: 'i-c1', at: 5 },
      undefined,
      { type: 'died', id: 'c1', app: 'hello', instanceId: 'i-c1', at: 5, exitCode: 137 },
      undefined,
      undefined,
    ]);
    expect(tracker.size).toBe(0);
  });

  it('reports a destroy of a container believed alive as died (its die was lost)', () => {
    const tracker = new LifecycleTracker();
    tracker.observe(ev('start'));
    expect(tracker.observe(ev('destroy'))).toMatchObject({ type: 'died', id: 'c1' });
  });

  it('does not report the die of a container the provider stopped itself', () => {
    const tracker = new LifecycleTracker((id) => id === 'c1');
    tracker.observe(ev('start'));
    expect(tracker.observe(ev('die'))).toBeUndefined();
    expect(tracker.observe(ev('start', 'c2'))).toMatchObject({ type: 'started' });
    expect(tracker.observe(ev('die', 'c2'))).toMatchObject({ type: 'died', id: 'c2' });
  });

  it('the first listing reports only the dead; later ones report what changed while disconnected', () => {
    const tracker = new LifecycleTracker();
    expect(tracker.resync([listed('a', true), listed('b', true), listed('old', false)], true, 9)).toEqual([
      { type: 'died', id: 'old', app: 'hello', instanceId: 'i-old', at: 9 },
    ]);
    // Reconnected: a exited, b vanished, c appeared, old is still exited.
    const events = tracker.resync([listed('a', false), listed('c', true), listed('old', false)], false, 10);
    expect(events).toEqual([
      { type: 'died', id: 'a', app: 'hello', instanceId: 'i-a', at: 10 },
      { type: 'started', id: 'c', app: 'hello', instanceId: 'i-c', at: 10 },
      { type: 'died', id: 'b', app: 'hello', instanceId: 'i-b', at: 10 },
    ]);
    expect(tracker.size).toBe(3);
  });

  it('a change seen both in the listing and in the replayed stream is reported once', () => {
    const tracker = new LifecycleTracker();
    tracker.resync([listed('a', true)], true, 0);
    expect(tracker.resync([listed('a', false)], false, 1)).toHaveLength(1);
    expect(tracker.observe(ev('die', 'a'))).toBeUndefined();
  });

  it('a container unknown at a reconnect listing and already exited is reported dead (it ran and died in the gap)', () => {
    const tracker = new LifecycleTracker();
    tracker.resync([], true, 0);
    expect(tracker.resync([listed('x', false)], false, 1)).toEqual([{ type: 'died', id: 'x', app: 'hello', instanceId: 'i-x', at: 1 }]);
  });
});
