/**
 * How soon a crashed worker may be restarted: at once, unless it already restarted RESTART_LIMIT
 * times within RESTART_WINDOW_MS; then when the oldest of those restarts leaves the window. So a
 * worker that crashes on every request restarts at most 5 times a minute, and one that crashed once
 * an hour ago restarts immediately. Pure: the fleet keeps the history and the clock.
 */

/** Restarts allowed per worker within the window. */
export const RESTART_LIMIT = 5;
/** The window (ms). */
export const RESTART_WINDOW_MS = 60_000;

/** Drops restarts older than the window from `history` (ascending ms), in place. */
export function pruneRestarts(history: number[], now: number): void {
  while (history.length > 0 && history[0]! <= now - RESTART_WINDOW_MS) history.shift();
}

/** Milliseconds to wait at `now` before the next restart, given the restarts in `history` (ascending ms). */
export function restartDelay(history: readonly number[], now: number): number {
  const recent = history.filter((at) => at > now - RESTART_WINDOW_MS);
  if (recent.length < RESTART_LIMIT) return 0;
  return recent[recent.length - RESTART_LIMIT]! + RESTART_WINDOW_MS - now;
}
