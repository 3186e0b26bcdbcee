import { stringify } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { ProxyState } from '../proxy-state.js';
import { BackendSlotSweep } from './backend-slot-sweep.js';
import { FleetMemory } from './fleet-memory.js';
import { createLayout, inFlightCell } from './shared-layout.js';

function setup() {
  const config = parseConfig(stringify({ apps: [{ name: 'a', backend: { plugin: 'docker', image: 'x' } }] }), 't.yaml', { env: {} });
  const layout = createLayout(2);
  const memory = new FleetMemory(layout, () => undefined);
  const state = new ProxyState(config, memory);
  onTestFinished(() => state.destroy());
  return { layout, memory, state, sweep: new BackendSlotSweep(state, memory) };
}

describe('BackendSlotSweep', () => {
  it('frees a removed backend\'s slot only once every worker applied the removal and no thread has a request on it', () => {
    const { layout, memory, state, sweep } = setup();
    state.setRouter('a', ['127.0.0.1:1', '127.0.0.1:2']);
    const slot = memory.backends.get('a\n127.0.0.1:2')!;
    memory.takeUpdate();
    state.setRouter('a', ['127.0.0.1:1']); // posted as version 1
    const busy = inFlightCell(layout, 1, slot);
    Atomics.add(busy, 0, 1);

    sweep.run(1, 0); // first seen out of every list at version 1
    sweep.run(1, 0); // a worker has not applied version 1 yet
    expect(memory.backends.get('a\n127.0.0.1:2')).toBe(slot);
    sweep.run(1, 1); // applied everywhere, but thread 1 still has a request on it
    expect(memory.backends.get('a\n127.0.0.1:2')).toBe(slot);
    Atomics.sub(busy, 0, 1);
    sweep.run(1, 1);
    expect(memory.backends.get('a\n127.0.0.1:2')).toBeUndefined();
    expect(memory.backends.get('a\n127.0.0.1:1')).toBeDefined();
    expect(memory.takeUpdate().released).toEqual(['a\n127.0.0.1:2']);
  });

  it('keeps the slot of a backend that comes back before it was freed', () => {
    const { memory, state, sweep } = setup();
    state.setRouter('a', ['127.0.0.1:1']);
    const slot = memory.backends.get('a\n127.0.0.1:1');
    state.setRouter('a', []);
    sweep.run(1, 0);
    state.setRouter('a', ['127.0.0.1:1']);
    sweep.run(2, 2);
    sweep.run(2, 2);
    expect(memory.backends.get('a\n127.0.0.1:1')).toBe(slot);
  });
});
