/**
 * The built-in policies by the name `scaling.policy` uses. The config schema admits only these names;
 * the lookup still fails loudly so a schema change cannot silently fall back to another policy.
 */
import { UnknownPolicyError } from './errors.js';
import { concurrencyPolicy } from './policies/concurrency.js';
import { rpsPolicy } from './policies/rps.js';
import type { ScalingPolicy } from './policy.js';

const POLICIES: ReadonlyMap<string, ScalingPolicy> = new Map([rpsPolicy, concurrencyPolicy].map((policy) => [policy.name, policy]));

/** The policy named `name`; throws UnknownPolicyError for any other name. */
export function policyFor(name: string): ScalingPolicy {
  const policy = POLICIES.get(name);
  if (policy === undefined) throw new UnknownPolicyError(name, [...POLICIES.keys()]);
  return policy;
}
