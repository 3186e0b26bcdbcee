/**
 * The access log: one JSON line per logged request, written through the process logger (pino writes
 * the fields as one JSON object per line). Off by default; when on, every Nth forwarded request is
 * logged (N = round(1 / sample_rate), a counter rather than a random draw, so the rate is exact),
 * and every answer the proxy made itself (its error kinds) is logged whatever the rate.
 */
import type { ErrorKind } from './forward/error-response.js';

/** Where lines go; a pino logger fits. */
export interface AccessLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

/** One logged request. */
export interface AccessLogEntry {
  /** App name, or null when the request matched none (or was refused before routing). */
  readonly app: string | null;
  readonly method: string;
  readonly path: string;
  /** Status sent to the client; 0 when none was (the client left, or the connection was cut). */
  readonly status: number;
  /** From arrival to the end of the response, ms. */
  readonly durationMs: number;
  /** The backend's `host:port`, or null when none was picked. */
  readonly backend: string | null;
  /** The socket peer's address. */
  readonly peer: string;
  /** The proxy's own error kind, or null when the backend answered. */
  readonly error: ErrorKind | null;
}

/** Sampling access log. */
export class AccessLog {
  private readonly every: number;
  private count = 0;

  constructor(
    private readonly logger: AccessLogger,
    /** Share of forwarded requests logged, 0 < rate ≤ 1. */
    sampleRate: number,
  ) {
    this.every = Math.max(1, Math.round(1 / sampleRate));
  }

  /** Counts a finished request and says whether it is to be logged (call `write` then). */
  wants(error: ErrorKind | null): boolean {
    if (error !== null) return true;
    if (++this.count < this.every) return false;
    this.count = 0;
    return true;
  }

  /** Writes one line. */
  write(entry: AccessLogEntry): void {
    this.logger.info({ access: entry }, 'request');
  }
}
