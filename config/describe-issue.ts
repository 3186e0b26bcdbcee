/**
 * Words a zod issue for a person editing YAML: the expected thing, the value found, the allowed
 * range, and for an unknown key the closest known one. Messages the schema wrote itself are kept.
 */
import type * as z from 'zod';
import { knownKeysAt } from './known-keys.js';
import type { KeyPath } from './problem.js';
import { closestKey } from './suggest.js';

export interface DescribedIssue {
  path: KeyPath;
  message: string;
  /** An unknown key: locate the key itself, not its value. */
  isKey: boolean;
}

const ZOD_DEFAULT_PREFIXES = ['Invalid input', 'Too small', 'Too big', 'Invalid option', 'Unrecognized key', 'Invalid string'];

function isZodDefault(message: string): boolean {
  return ZOD_DEFAULT_PREFIXES.some((prefix) => message.startsWith(prefix));
}

export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function got(issue: { input?: unknown }): string {
  return 'input' in issue ? ` (got ${show(issue.input)})` : '';
}

export function describeIssue(issue: z.core.$ZodIssue, data: unknown): DescribedIssue[] {
  const path = issue.path as KeyPath;
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path, data);
    return issue.keys.map((key) => {
      const suggestion = closestKey(key, known);
      const hint = suggestion ? `did you mean "${suggestion}"?` : `allowed here: ${known.join(', ')}`;
      return { path: [...path, key], message: `unknown key (${hint})`, isKey: true };
    });
  }
  if (!isZodDefault(issue.message)) return [{ path, message: issue.message, isKey: false }];
  return [{ path, message: reword(issue), isKey: false }];
}

function reword(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `is required (expected ${issue.expected})` : `expected ${issue.expected}${got(issue)}`;
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `needs at least ${issue.minimum} characters`;
      return `must be ${issue.inclusive ? '≥' : '>'} ${issue.minimum}${got(issue)}`;
    case 'too_big':
      if (issue.origin === 'array') return `allows at most ${issue.maximum} items`;
      if (issue.origin === 'string') return `allows at most ${issue.maximum} characters`;
      return `must be ${issue.inclusive ? '≤' : '<'} ${issue.maximum}${got(issue)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => String(value)).join('|')}${got(issue)}`;
    default:
      return `${issue.message}${got(issue)}`;
  }
}
