/**
 * Docker engine failures → ProviderError, in one table (the edge translation of aesthetics.md). dockerode
 * rejects with an Error carrying `statusCode` and `json.message` for an HTTP answer, and with a socket
 * error `code` (ECONNREFUSED, ENOENT for a missing unix socket, ...) when nothing answered at all.
 */
import { ProviderError } from '../errors.js';
import type { ProviderErrorCode } from '../errors.js';

// Socket-level failures: the engine is down, restarting, or the socket path is wrong. All transient.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'EAI_AGAIN', 'ENOTFOUND']);

/** The parts of a dockerode error Vortex looks at. */
export interface EngineFailure {
  statusCode?: number;
  /** The engine's own message (`json.message`), else the Error's. */
  message: string;
  /** Socket error code, when the request never got an answer. */
  socketCode?: string;
}

/** Narrows anything dockerode throws. */
export function engineFailure(err: unknown): EngineFailure {
  if (!(err instanceof Error)) return { message: String(err) };
  const fields = err as Error & { statusCode?: unknown; json?: unknown; code?: unknown };
  const json = fields.json as { message?: unknown } | null | undefined;
  const engineMessage = typeof json?.message === 'string' ? json.message : undefined;
  return {
    ...(typeof fields.statusCode === 'number' ? { statusCode: fields.statusCode } : {}),
    message: (engineMessage ?? err.message).trim(),
    ...(typeof fields.code === 'string' ? { socketCode: fields.code } : {}),
  };
}

/** True when the engine answered "no such thing" (container or image gone). */
export function isNotFound(err: unknown): boolean {
  return engineFailure(err).statusCode === 404;
}

/** True when nothing answered: the engine is down or unreachable. */
export function isUnreachable(err: unknown): boolean {
  const { socketCode } = engineFailure(err);
  return socketCode !== undefined && UNREACHABLE.has(socketCode);
}

/**
 * Wraps an engine failure while `attempting` something (`"start hello/abc"`): unreachable engines
 * become VX_PROVIDER_ENGINE_UNREACHABLE, anything else `fallback`. The engine's message is kept.
 */
export function toProviderError(err: unknown, attempting: string, fallback: ProviderErrorCode): ProviderError {
  if (err instanceof ProviderError) return err;
  const failure = engineFailure(err);
  if (isUnreachable(err)) {
    return new ProviderError('VX_PROVIDER_ENGINE_UNREACHABLE', `docker: engine unreachable while trying to ${attempting} (${failure.socketCode}: ${failure.message})`, { cause: err });
  }
  const status = failure.statusCode === undefined ? '' : ` (HTTP ${failure.statusCode})`;
  return new ProviderError(fallback, `docker: could not ${attempting}: ${failure.message}${status}`, { cause: err });
}
