import { describe, expect, it } from 'vitest';
import type { StepLimits, StepMemory } from './step-limits.js';
import { applyStepLimits, remember } from './step-limits.js';

const SEED: StepLimits = { min: 1, max: 10, upStep: 5, downStep: 1, upGraceMs: 1_000, downCooldownMs: 5_000, zeroAfterMs: 300_000 };

/** One moment of a scripted timeline: at `at` ms the policy wants `desired` (none: no data) and we expect `target`. */
interface Tick {
  at: number;
  desired: number | 'none';
  waiting?: number;
  /** Whether the metrics show a request; default: desired > 0. */
  request?: boolean;
  target: number;
  /** The expected next time-based wake-up, when the tick cares. */
  wakeAt?: number | undefined;
}

interface Timeline {
  name: string;
  limits?: Partial<StepLimits>;
  start: StepMemory;
  /** Time of the last request before the timeline starts (default 0). */
  lastRequestAt?: number;
  ticks: Tick[];
}

/** Plays a timeline through the rules as the decider does, collecting the target after each tick. */
function play(timeline: Timeline): Array<{ at: number; target: number; wakeAt: number | undefined }> {
  const limits = { ...SEED, ...timeline.limits };
  let memory = timeline.start;
  let lastRequestAt = timeline.lastRequestAt ?? 0;
  return timeline.ticks.map((tick) => {
    const desired = tick.desired === 'none' ? undefined : tick.desired;
    const waiting = tick.waiting ?? 0;
    if (tick.request ?? (desired !== undefined && desired > 0)) lastRequestAt = tick.at;
    if (waiting > 0) lastRequestAt = tick.at;
    const outcome = applyStepLimits(memory, { now: tick.at, desired, waiting, lastRequestAt }, limits);
    memory = remember(memory, outcome, tick.at);
    return { at: tick.at, target: outcome.target, wakeAt: outcome.wakeAt };
  });
}

const timelines: Timeline[] = [
  {
    name: 'the seed spike: 500 rps → 5 once it lasted the 1 s grace period',
    start: { target: 1, lastScaleAt: undefined, higherSince: undefined },
    ticks: [
      { at: 0, desired: 5, target: 1, wakeAt: 1_000 },
      { at: 500, desired: 5, target: 1, wakeAt: 1_000 },
      { at: 1_000, desired: 5, target: 5, wakeAt: undefined },
      { at: 2_000, desired: 5, target: 5, wakeAt: undefined },
    ],
  },
  {
    name: 'a blip shorter than the grace period does not scale, and the grace restarts',
    start: { target: 1, lastScaleAt: undefined, higherSince: undefined },
    ticks: [
      { at: 0, desired: 5, target: 1 },
      { at: 600, desired: 1, target: 1, wakeAt: undefined },
      { at: 1_000, desired: 5, target: 1, wakeAt: 2_000 },
      { at: 1_999, desired: 4, target: 1 },
      { at: 2_000, desired: 4, target: 4 },
    ],
  },
  {
    name: 'scale-up is stepped by scaleupnumber, one step per grace period',
    limits: { upStep: 2 },
    start: { target: 1, lastScaleAt: undefined, higherSince: undefined },
    ticks: [
      { at: 0, desired: 7, target: 1, wakeAt: 1_000 },
      { at: 1_000, desired: 7, target: 3, wakeAt: 2_000 },
      { at: 1_500, desired: 7, target: 3, wakeAt: 2_000 },
      { at: 2_000, desired: 7, target: 5, wakeAt: 3_000 },
      { at: 3_000, desired: 7, target: 7, wakeAt: undefined },
    ],
  },
  {
    name: 'the seed drop: 100 rps → back to 1, one replica per 5 s cooldown',
    start: { target: 4, lastScaleAt: 0, higherSince: undefined },
    ticks: [
      { at: 1_000, desired: 1, target: 4, wakeAt: 5_000 },
      { at: 5_000, desired: 1, target: 3, wakeAt: 10_000 },
      { at: 6_000, desired: 1, target: 3, wakeAt: 10_000 },
      { at: 10_000, desired: 1, target: 2 },
      { at: 15_000, desired: 1, target: 1, wakeAt: undefined },
      { at: 20_000, desired: 1, target: 1, wakeAt: undefined },
    ],
  },
  {
    name: 'a scale-up restarts the cooldown for the next scale-down',
    start: { target: 2, lastScaleAt: undefined, higherSince: undefined },
    limits: { upGraceMs: 0 },
    ticks: [
      { at: 0, desired: 3, target: 3 },
      { at: 1_000, desired: 1, target: 3, wakeAt: 5_000 },
      { at: 5_000, desired: 1, target: 2 },
    ],
  },
  {
    name: 'clamped to [min_replicas, max_replicas]',
    limits: { min: 2, max: 6, upGraceMs: 0, downCooldownMs: 0, downStep: 10 },
    start: { target: 2, lastScaleAt: undefined, higherSince: undefined },
    ticks: [
      { at: 0, desired: 100, target: 6 },
      { at: 1, desired: 0, target: 2 },
      { at: 2, desired: 1, target: 2 },
    ],
  },
  {
    name: 'a target outside the bounds (a reload lowered max_replicas) moves inside at once, even without data',
    limits: { max: 3 },
    start: { target: 8, lastScaleAt: 0, higherSince: undefined },
    ticks: [{ at: 1, desired: 'none', target: 3 }],
  },
  {
    name: 'no data holds the target; it is not zero load',
    limits: { min: 0 },
    start: { target: 4, lastScaleAt: undefined, higherSince: undefined },
    ticks: [
      { at: 0, desired: 'none', target: 4, wakeAt: undefined },
      { at: 400_000, desired: 'none', target: 4, wakeAt: undefined },
    ],
  },
  {
    name: 'scale to zero counts from the last request, not from the scale-up (kedacore/http-add-on#882)',
    limits: { min: 0 },
    start: { target: 0, lastScaleAt: undefined, higherSince: undefined },
    ticks: [
      { at: 0, desired: 0, waiting: 1, target: 1 },
      { at: 1_000, desired: 1, target: 1 },
      { at: 60_000, desired: 1, target: 1 },
      { at: 61_000, desired: 0, target: 1, wakeAt: 360_000 },
      { at: 300_000, desired: 0, target: 1, wakeAt: 360_000 },
      { at: 359_999, desired: 0, target: 1 },
      { at: 360_000, desired: 0, target: 0, wakeAt: undefined },
    ],
  },
  {
    name: 'requests that keep the policy at 0 (tiny concurrency) still count as activity',
    limits: { min: 0 },
    start: { target: 1, lastScaleAt: 0, higherSince: undefined },
    ticks: [
      { at: 200_000, desired: 0, request: true, target: 1, wakeAt: 500_000 },
      { at: 450_000, desired: 0, request: true, target: 1, wakeAt: 750_000 },
      { at: 500_000, desired: 0, target: 1, wakeAt: 750_000 },
      { at: 749_999, desired: 0, target: 1 },
      { at: 750_000, desired: 0, target: 0 },
    ],
  },
  {
    name: 'several replicas step down to 1 on the cooldown, and the last one waits for idleness',
    limits: { min: 0, downStep: 2, zeroAfterMs: 60_000 },
    start: { target: 5, lastScaleAt: 0, higherSince: undefined },
    lastRequestAt: 10_000,
    ticks: [
      { at: 10_000, desired: 0, request: false, target: 3, wakeAt: 15_000 },
      { at: 15_000, desired: 0, target: 1, wakeAt: 20_000 },
      { at: 20_000, desired: 0, target: 1, wakeAt: 70_000 },
      { at: 70_000, desired: 0, target: 0 },
    ],
  },
  {
    name: 'held requests at zero wake the app at once: no grace period, no cooldown, no window',
    limits: { min: 0, upGraceMs: 60_000, downCooldownMs: 60_000 },
    start: { target: 0, lastScaleAt: 100, higherSince: undefined },
    ticks: [{ at: 101, desired: 'none', waiting: 3, target: 1, wakeAt: undefined }],
  },
  {
    name: 'after the wake-up, the rest of a higher want waits its grace period',
    limits: { min: 0 },
    start: { target: 0, lastScaleAt: undefined, higherSince: undefined },
    ticks: [
      { at: 0, desired: 4, waiting: 2, target: 1, wakeAt: 1_000 },
      { at: 1_000, desired: 4, waiting: 0, target: 4 },
    ],
  },
  {
    name: 'held requests never exceed max_replicas 0 (an app switched off)',
    limits: { min: 0, max: 0 },
    start: { target: 0, lastScaleAt: undefined, higherSince: undefined },
    ticks: [{ at: 0, desired: 1, waiting: 1, target: 0 }],
  },
];

describe('applyStepLimits, scripted timelines', () => {
  it.each(timelines.map((timeline) => [timeline.name, timeline] as const))('%s', (_name, timeline) => {
    const played = play(timeline);
    const expected = timeline.ticks.map((tick, i) => ({
      at: tick.at,
      target: tick.target,
      wakeAt: 'wakeAt' in tick ? tick.wakeAt : played[i]!.wakeAt,
    }));
    expect(played).toEqual(expected);
  });
});

describe('applyStepLimits, reasons', () => {
  const memory: StepMemory = { target: 1, lastScaleAt: undefined, higherSince: undefined };

  it('says what limited the step', () => {
    expect(applyStepLimits(memory, { now: 5_000, desired: 20, waiting: 0, lastRequestAt: 5_000 }, { ...SEED, upGraceMs: 0 }).why).toBe('clamped to 10; step +5');
    expect(applyStepLimits(memory, { now: 0, desired: 5, waiting: 0, lastRequestAt: 0 }, SEED).why).toBe('up in 1s if it lasts (grace 1s)');
  });

  it('says how long the app was idle when it goes to zero', () => {
    const outcome = applyStepLimits(memory, { now: 400_000, desired: 0, waiting: 0, lastRequestAt: 100_000 }, { ...SEED, min: 0 });
    expect([outcome.target, outcome.why]).toEqual([0, 'no request for 5m → 0']);
  });
});
