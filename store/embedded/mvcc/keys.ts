/**
 * Key encoding inside the MVCC store. A key's "name" is its bytes as a latin1 string: one char per
 * byte, so JavaScript string order is etcd's byte order, and names work as Map keys.
 */
import { toBuffer, type Bytes, type KeySelector } from '../../store.js';

/** A key selector as names: one key, `[start, end)`, or every key >= start (`end` undefined). */
export interface KeyBounds {
  start: string;
  end: string | undefined;
  single: boolean;
}

/** The name of a key. */
export function keyName(key: Bytes): string {
  return toBuffer(key).toString('latin1');
}

/** Bytes the store may keep: a private copy, so later changes to the caller's array do not leak in. */
export function ownBytes(bytes: Bytes): Buffer {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
}

/** etcd's reading of `key`/`rangeEnd`: no or empty rangeEnd is one key, a single zero byte is "to the end". */
export function keyBounds(selector: KeySelector): KeyBounds {
  const start = keyName(selector.key);
  if (selector.rangeEnd === undefined || selector.rangeEnd.length === 0) return { start, end: start, single: true };
  const end = toBuffer(selector.rangeEnd);
  if (end.length === 1 && end[0] === 0) return { start, end: undefined, single: false };
  return { start, end: end.toString('latin1'), single: false };
}

/** Whether the key `name` falls within `bounds`. */
export function inBounds(name: string, bounds: KeyBounds): boolean {
  if (bounds.single) return name === bounds.start;
  return name >= bounds.start && (bounds.end === undefined || name < bounds.end);
}
