/**
 * The ScalingPolicy contract (design.md §6): how many replicas an app's load calls for, before clamps,
 * step limits and timing (those are `step-limits.ts`). A policy is a pure function of its input, as
 * Knative's deciders are: no clock, no I/O, no memory between calls. With no metrics it answers
 * `valid: false` instead of guessing, and the caller keeps the current target.
 */
import type { AppConfig } from '../config/resolve.js';

/** One app's load summed over every live proxy (see `metrics-view.ts`). */
export interface AppLoad {
  /** Requests per second, summed over proxies. */
  rps: number;
  /** Requests in flight at the proxies' last reports, summed. */
  inflight: number;
  /** Requests held by proxies waiting for a backend (scale-from-zero demand), summed. */
  waiting: number;
  /** Proxies whose report is counted (live and not stale); at least 1. */
  proxies: number;
}

/** What a policy decides from. */
export interface PolicyInput {
  app: string;
  /** Epoch ms. */
  now: number;
  /** The summed load; undefined when no live proxy reports on the app. */
  metrics: AppLoad | undefined;
  /** The current target replicas. */
  current: number;
  /** The app's resolved configuration (targets per replica, policy settings). */
  spec: AppConfig;
}

/** A policy's answer. When `valid` is false, `desired` is the current target and means nothing. */
export interface PolicyDecision {
  /** Replicas the load calls for, unclamped, ≥ 0. */
  desired: number;
  /** The arithmetic, for ScaleJob reasons and events: `rps 480.0 / 100 per replica → 5`. */
  reason: string;
  valid: boolean;
}

/** A replica-count rule; `name` is what `scaling.policy` says in vortex.yaml. */
export interface ScalingPolicy {
  readonly name: string;
  decide(input: PolicyInput): PolicyDecision;
}

/** The answer for "no data": keep what there is. */
export function noData(input: PolicyInput): PolicyDecision {
  return { desired: input.current, reason: 'no live metrics', valid: false };
}
