/**
 * Byte sizes as users write them (`512`, `64KiB`, `10MB`, Docker's `256m`), turned into bytes at load.
 * Decimal units (kB, MB, GB) are powers of 1000; binary units (KiB, MiB, GiB) and Docker's single
 * letters (k, m, g) are powers of 1024, as `docker run --memory` reads them.
 */

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

export const SIZE_HINT = 'expected a size like 1048576, 64KiB, 10MB or 256m';

/** Bytes for a size (a non-negative integer or a string with a unit), or undefined when invalid. */
export function parseSize(input: number | string): number | undefined {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(input.trim());
  if (!match) return undefined;
  const factor = UNIT_BYTES[(match[2] || 'b').toLowerCase()];
  if (factor === undefined) return undefined;
  const bytes = Number(match[1]) * factor;
  return Number.isSafeInteger(Math.round(bytes)) ? Math.round(bytes) : undefined;
}
