import { describe, expect, it } from 'vitest';
import type { Instance } from '../plugins/provider.js';
import type { ContainerRecordValue } from '../store/records/container-record.js';
import type { ReconcilePlan } from './reconcile-plan.js';
import { planReconcile } from './reconcile-plan.js';

function record(id: string, status: ContainerRecordValue['status'], startedAt = 1_000): ContainerRecordValue {
  return { id, app: 'hello', status, address: `127.0.0.1:${3000 + id.length}`, plugin: 'process', startedAt };
}

function instance(instanceId: string): Instance {
  return { id: `process:${instanceId}`, app: 'hello', instanceId, address: '127.0.0.1:3000', startedAt: 1_000, labels: {} };
}

/** The plan reduced to ids, for readable expectations. */
function ids(plan: ReconcilePlan) {
  return {
    start: plan.start,
    drain: plan.drain.map((entry) => entry.instanceId),
    probe: plan.probe.map((entry) => entry.instanceId),
    remove: plan.remove.map((entry) => `${entry.instanceId}${entry.instance ? '+stop' : ''}`),
    stopOrphans: plan.stopOrphans.map((entry) => entry.instanceId),
  };
}

const none = { start: 0, drain: [], probe: [], remove: [], stopOrphans: [] };

describe('planReconcile', () => {
  const cases: Array<{ desc: string; target: number; records: ContainerRecordValue[]; instances: string[]; busy?: string[]; starting?: string[]; leaving?: string[]; expected: Partial<ReturnType<typeof ids>> }> = [
    { desc: 'nothing there, target 3: start 3', target: 3, records: [], instances: [], expected: { start: 3 } },
    { desc: 'at target: nothing to do', target: 2, records: [record('a', 'Running'), record('b', 'Running')], instances: ['a', 'b'], expected: {} },
    {
      desc: 'starts in flight count towards the target',
      target: 3,
      records: [record('a', 'Running')],
      instances: ['a'],
      busy: ['b'],
      starting: ['b'],
      expected: { start: 1 },
    },
    {
      desc: 'a busy id without a record that is no longer starting (a drain just finished) does not count',
      target: 1,
      records: [record('a', 'Running')],
      instances: ['a'],
      busy: ['gone'],
      expected: {},
    },
    {
      desc: 'a drain in flight whose Draining write has not landed does not count: no second backend is drained',
      target: 2,
      records: [record('a', 'Running', 1), record('b', 'Running', 2), record('c', 'Running', 3)],
      instances: ['a', 'b', 'c'],
      busy: ['c'],
      leaving: ['c'],
      expected: {},
    },
    {
      desc: 'a busy Provisioning record counts and is not probed twice',
      target: 2,
      records: [record('a', 'Running'), record('b', 'Provisioning')],
      instances: ['a', 'b'],
      busy: ['b'],
      expected: {},
    },
    {
      desc: 'over target: newest Running drained first',
      target: 1,
      records: [record('old', 'Running', 1), record('new', 'Running', 3), record('mid', 'Running', 2)],
      instances: ['old', 'new', 'mid'],
      expected: { drain: ['new', 'mid'] },
    },
    {
      desc: 'over target: a not-yet-ready one is drained before a newer ready one (and not probed)',
      target: 2,
      records: [record('a', 'Running', 1), record('b', 'Running', 9), record('p', 'Provisioning', 5)],
      instances: ['a', 'b', 'p'],
      expected: { drain: ['p'] },
    },
    {
      desc: 'a busy instance is never chosen for draining',
      target: 1,
      records: [record('a', 'Running', 1), record('b', 'Running', 9)],
      instances: ['a', 'b'],
      busy: ['b'],
      expected: { drain: ['a'] },
    },
    {
      desc: 'Draining records do not count and a not-busy one is drained again (resumed)',
      target: 1,
      records: [record('a', 'Running'), record('d', 'Draining')],
      instances: ['a', 'd'],
      expected: { drain: ['d'] },
    },
    {
      desc: 'a Dead record is removed (its live instance stopped) and replaced',
      target: 2,
      records: [record('a', 'Running'), record('x', 'Dead')],
      instances: ['a', 'x'],
      expected: { start: 1, remove: ['x+stop'] },
    },
    {
      desc: 'a record whose instance is gone is removed and replaced',
      target: 1,
      records: [record('gone', 'Running')],
      instances: [],
      expected: { start: 1, remove: ['gone'] },
    },
    {
      desc: 'an instance without a record is an orphan',
      target: 1,
      records: [record('a', 'Running')],
      instances: ['a', 'stray'],
      expected: { stopOrphans: ['stray'] },
    },
    {
      desc: 'a busy instance without a record is a start in flight, not an orphan',
      target: 1,
      records: [],
      instances: ['s'],
      busy: ['s'],
      starting: ['s'],
      expected: {},
    },
    {
      desc: 'an unprobed Provisioning record (interrupted start) is probed again',
      target: 1,
      records: [record('p', 'Provisioning')],
      instances: ['p'],
      expected: { probe: ['p'] },
    },
    { desc: 'target 0 drains everything', target: 0, records: [record('a', 'Running', 1), record('b', 'Running', 2)], instances: ['a', 'b'], expected: { drain: ['b', 'a'] } },
  ];

  it.each(cases)('$desc', ({ target, records, instances, busy = [], starting = [], leaving = [], expected }) => {
    const plan = planReconcile({ target, records, instances: instances.map(instance), busy: new Set(busy), starting: new Set(starting), leaving: new Set(leaving) });
    expect(ids(plan)).toEqual({ ...none, ...expected });
  });
});
