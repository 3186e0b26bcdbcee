/**
 * The default policy (the seed's): `desired = ceil(rps / target_rps_per_replica)`, so 480 rps at 100
 * per replica asks for 5 and 0 rps for 0 (min_replicas and scale-to-zero timing are applied later).
 */
import type { PolicyDecision, PolicyInput, ScalingPolicy } from '../policy.js';
import { noData } from '../policy.js';

/** Requests per second per replica (`target_rps_per_replica`). */
export const rpsPolicy: ScalingPolicy = {
  name: 'rps',
  decide(input: PolicyInput): PolicyDecision {
    if (input.metrics === undefined) return noData(input);
    const perReplica = input.spec.target_rps_per_replica;
    const desired = Math.ceil(input.metrics.rps / perReplica);
    return { desired, reason: `rps ${input.metrics.rps.toFixed(1)} / ${perReplica} per replica → ${desired}`, valid: true };
  },
};
