/**
 * From "the policy wants N" to "the target is now T": clamps, step sizes and timing (design.md §6),
 * as a pure function of the time so that scripted timelines can test every rule. Rules, in order:
 *
 * 1. A target outside [min_replicas, max_replicas] (first start, a config reload) moves inside at once.
 * 2. Held requests at zero replicas (`waiting > 0`) bring the app to 1 at once: a request is waiting
 *    on a person, and grace periods exist to ignore blips, not real demand.
 * 3. No valid metrics: hold (Knative's "no data is not zero load").
 * 4. Up: only once the higher want has lasted `scale_up_grace_period`, by at most `scaleupnumber`;
 *    each further step waits another grace period, so a spike to 50 at step 5 and grace 1 s adds 5 a
 *    second rather than 50 at once on a one-second blip.
 * 5. Down: only `scale_down_cooldown` after the last scale event (up or down), by at most
 *    `scaledownnumber`. The last replica of a `min_replicas: 0` app goes only after
 *    `scale_to_zero_after` without any request, counted from the LAST REQUEST: KEDA's HTTP add-on
 *    counted from the scale-up (kedacore/http-add-on#882) and stopped apps that were still in use.
 *
 * Every outcome says when, with no new metrics, the next time-based transition falls due (`wakeAt`),
 * so the decider sets one timer for exactly then instead of polling.
 */
import type { AppConfig } from '../config/resolve.js';
import { formatDuration } from '../config/duration.js';

/** The knobs the rules use, in replicas and milliseconds. */
export interface StepLimits {
  min: number;
  max: number;
  /** Replicas added per scale-up step, ≥ 1. */
  upStep: number;
  /** Replicas removed per scale-down step, ≥ 1. */
  downStep: number;
  upGraceMs: number;
  downCooldownMs: number;
  zeroAfterMs: number;
}

/** What the rules remember between decisions. */
export interface StepMemory {
  /** The current target replicas. */
  target: number;
  /** Epoch ms of the last target change (any leader's: seeded from the ScaleJob's issuedAt). */
  lastScaleAt: number | undefined;
  /** Epoch ms since which the clamped want has been above the target without a break. */
  higherSince: number | undefined;
}

/** What this decision sees. */
export interface StepInput {
  /** Epoch ms. */
  now: number;
  /** The policy's desired replicas; undefined when the policy had no valid data. */
  desired: number | undefined;
  /** Requests held by proxies for want of a backend. */
  waiting: number;
  /** Epoch ms of the last request seen (the decider passes its start time when it has seen none). */
  lastRequestAt: number;
}

/** The new target, why, the memory to keep, and when to decide again without new metrics. */
export interface StepOutcome {
  target: number;
  /** What the rules did to the policy's number, for reasons and events; empty when nothing. */
  why: string;
  higherSince: number | undefined;
  /** Epoch ms of the next time-based transition; undefined when only new metrics can change things. */
  wakeAt: number | undefined;
}

/** The step limits of an app's resolved config. */
export function limitsOf(spec: AppConfig): StepLimits {
  return {
    min: spec.min_replicas,
    max: spec.max_replicas,
    upStep: spec.scaling.scaleupnumber,
    downStep: spec.scaling.scaledownnumber,
    upGraceMs: spec.scaling.scale_up_grace_period,
    downCooldownMs: spec.scaling.scale_down_cooldown,
    zeroAfterMs: spec.scaling.scale_to_zero_after,
  };
}

/** Applies the rules above to one decision. */
export function applyStepLimits(memory: StepMemory, input: StepInput, limits: StepLimits): StepOutcome {
  const { now, desired } = input;
  const current = memory.target;
  const hold = (why: string, higherSince: number | undefined, wakeAt: number | undefined): StepOutcome => ({ target: current, why, higherSince, wakeAt });

  if (current > limits.max) return { target: limits.max, why: `max_replicas ${limits.max}`, higherSince: undefined, wakeAt: undefined };
  if (current < limits.min) return { target: limits.min, why: `min_replicas ${limits.min}`, higherSince: undefined, wakeAt: undefined };
  if (current === 0 && input.waiting > 0 && limits.max >= 1) {
    // The rest of a higher want (policy says 5) still waits its grace period, counted from now.
    const more = desired !== undefined && Math.min(desired, limits.max) > 1;
    return { target: 1, why: `${input.waiting} held at zero replicas → 1 at once`, higherSince: more ? now : undefined, wakeAt: more ? now + limits.upGraceMs : undefined };
  }
  if (desired === undefined) return hold(`hold at ${current}`, undefined, undefined);

  const wanted = Math.min(limits.max, Math.max(limits.min, desired));
  const bound = wanted !== desired ? `clamped to ${wanted}` : '';

  if (wanted > current) {
    const since = memory.higherSince ?? now;
    const dueAt = since + limits.upGraceMs;
    if (now < dueAt) return hold(join(bound, `up in ${formatDuration(dueAt - now)} if it lasts (grace ${formatDuration(limits.upGraceMs)})`), since, dueAt);
    const next = Math.min(wanted, current + limits.upStep);
    const more = next < wanted;
    return { target: next, why: join(bound, more ? `step +${limits.upStep}` : ''), higherSince: more ? now : undefined, wakeAt: more ? now + limits.upGraceMs : undefined };
  }

  if (wanted < current) {
    const idleEndsAt = input.lastRequestAt + limits.zeroAfterMs;
    // The last replica stays until the app has been idle long enough (from the last request).
    const floor = wanted === 0 && now < idleEndsAt ? 1 : wanted;
    const cooldownEndsAt = memory.lastScaleAt === undefined ? now : memory.lastScaleAt + limits.downCooldownMs;
    if (now < cooldownEndsAt) return hold(join(bound, `down in ${formatDuration(cooldownEndsAt - now)} (cooldown ${formatDuration(limits.downCooldownMs)})`), undefined, cooldownEndsAt);
    if (floor >= current) return hold(join(bound, `to zero after ${formatDuration(limits.zeroAfterMs)} without requests`), undefined, idleEndsAt);
    const next = Math.max(floor, current - limits.downStep);
    const why = next === 0 ? `no request for ${formatDuration(now - input.lastRequestAt)} → 0` : next > floor ? `step -${limits.downStep}` : '';
    return { target: next, why: join(bound, why), higherSince: undefined, wakeAt: next > wanted ? now + limits.downCooldownMs : undefined };
  }

  return hold(bound, undefined, undefined);
}

/** The memory after `outcome` was applied at `now`: a changed target is a scale event. */
export function remember(memory: StepMemory, outcome: StepOutcome, now: number): StepMemory {
  const changed = outcome.target !== memory.target;
  return { target: outcome.target, lastScaleAt: changed ? now : memory.lastScaleAt, higherSince: outcome.higherSince };
}

function join(...parts: string[]): string {
  return parts.filter((part) => part !== '').join('; ');
}
