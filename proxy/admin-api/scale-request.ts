/**
 * Checks a `POST /api/v1/apps/:name/scale` body (pure). The scaler takes a ManualScale's replicas as
 * the target as they are, without clamping (scaler/decider.ts), so the bounds are enforced here,
 * where the operator can be told: at most the app's `max_replicas` (the ceiling the config sets for
 * the app; to go higher, raise it and reload). Below `min_replicas` is allowed, 0 included: stopping
 * an app's backends by hand is what an override is for.
 */
import type { AppConfig } from '../../config/resolve.js';

/** The outcome: the replicas to store (null: clear the override), or a 400 answer's kind and message. */
export type ScaleCheck = { ok: true; replicas: number | null } | { ok: false; error: 'invalid_request' | 'not_scalable'; message: string };

const USAGE = 'the body must be a JSON object like {"replicas": 3}, or {"replicas": null} to clear the override';

function invalid(message: string): ScaleCheck {
  return { ok: false, error: 'invalid_request', message };
}

/** Validates `body` (parsed JSON) for `app`; see the file comment for the rules. */
export function checkScaleRequest(app: AppConfig, body: unknown): ScaleCheck {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return invalid(USAGE);
  const unknown = Object.keys(body).filter((key) => key !== 'replicas');
  if (unknown.length > 0) return invalid(`unknown key ${JSON.stringify(unknown[0])}: ${USAGE}`);
  if (!('replicas' in body)) return invalid(`"replicas" is missing: ${USAGE}`);
  const { replicas } = body;
  if (replicas === null) return { ok: true, replicas: null };
  if (app.backend.plugin === 'static') {
    return { ok: false, error: 'not_scalable', message: `app ${app.name} uses the static plugin: its upstreams are fixed in vortex.yaml, it cannot scale` };
  }
  if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas) || replicas < 0) {
    return invalid(`replicas: must be a whole number ≥ 0 (got ${JSON.stringify(replicas)})`);
  }
  if (replicas > app.max_replicas) {
    return invalid(`replicas: is ${replicas}, must be ≤ max_replicas (${app.max_replicas}) of app ${app.name}; raise max_replicas in vortex.yaml and reload to go higher`);
  }
  return { ok: true, replicas };
}
