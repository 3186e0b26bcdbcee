/**
 * The process logger: pino, JSON lines on stderr (stdout stays for command output), level from
 * VORTEX_LOG_LEVEL (default info). Components take a logger; only the CLI creates one.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export function createLogger(name: string): Logger {
  return pino({ name, level: process.env.VORTEX_LOG_LEVEL ?? 'info' }, pino.destination({ fd: 2, sync: false }));
}
