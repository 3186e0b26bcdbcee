/**
 * Durations as users write them in vortex.yaml (`500ms`, `1s`, `2m`, `1h`, `1m30s`), turned into
 * milliseconds at load time so nothing downstream parses strings.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

export const DURATION_HINT = 'expected a duration like 500ms, 1s, 2m or 1h30m';

/** Milliseconds for a duration string, or undefined when it is not one (callers word the error). */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(ms);
}

/** The shortest exact spelling of a millisecond count, for summaries and docs (`1500` → `1500ms`). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
