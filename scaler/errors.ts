/**
 * Scaler errors with stable codes: callers match on `code`, never on the message.
 * `VX_SCALER_UNKNOWN_POLICY` is a configuration problem; `VX_SCALER_FENCED` means a decision was not
 * written because this scaler is no longer the leader (the write's fence compare failed);
 * `VX_RECONCILER_NOT_READY` means a started backend never passed its readiness probe.
 */

/** Every scaler error code. */
export type ScalerErrorCode = 'VX_SCALER_UNKNOWN_POLICY' | 'VX_SCALER_FENCED' | 'VX_RECONCILER_NOT_READY';

/** Base class of every scaler error. */
export class ScalerError extends Error {
  readonly code: ScalerErrorCode;

  constructor(code: ScalerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** `scaling.policy` names no registered policy. */
export class UnknownPolicyError extends ScalerError {
  constructor(readonly policy: string, known: readonly string[]) {
    super('VX_SCALER_UNKNOWN_POLICY', `scaler: unknown scaling policy "${policy}" (known: ${known.join(', ')})`);
  }
}

/** A decision's txn failed its leadership fence: another scaler leads now, so nothing was written. */
export class FencedWriteError extends ScalerError {
  constructor(readonly app: string) {
    super('VX_SCALER_FENCED', `scaler: not written for ${app}: leadership was lost before the decision reached the store`);
  }
}

/** A backend did not answer its health path with 200 before the readiness deadline. */
export class NotReadyError extends ScalerError {
  constructor(readonly address: string, readonly waitedMs: number, lastProblem: string) {
    super('VX_RECONCILER_NOT_READY', `reconciler: ${address} was not ready after ${waitedMs} ms (last probe: ${lastProblem})`);
  }
}
