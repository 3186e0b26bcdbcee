/**
 * Knative-style concurrency policy: `desired = ceil(inflight / target_concurrency_per_replica)`, in
 * flight summed over proxies. Held requests (`waiting`) are not added: the scale-from-zero rule in
 * `step-limits.ts` answers them at once, and a proxy may count them in `inflight` already.
 */
import type { PolicyDecision, PolicyInput, ScalingPolicy } from '../policy.js';
import { noData } from '../policy.js';

/** In-flight requests per replica (`scaling.target_concurrency_per_replica`). */
export const concurrencyPolicy: ScalingPolicy = {
  name: 'concurrency',
  decide(input: PolicyInput): PolicyDecision {
    if (input.metrics === undefined) return noData(input);
    const perReplica = input.spec.scaling.target_concurrency_per_replica;
    const desired = Math.ceil(input.metrics.inflight / perReplica);
    return { desired, reason: `in flight ${input.metrics.inflight} / ${perReplica} per replica → ${desired}`, valid: true };
  },
};
