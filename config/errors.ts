/**
 * Config errors. The message is the whole report a user needs: one line per problem, each starting
 * with the file name, so `vortex validate` and a refused start print the same thing.
 */
import type { ConfigProblem } from './problem.js';

export type ConfigErrorCode = 'VX_CONFIG_UNREADABLE' | 'VX_CONFIG_SYNTAX' | 'VX_CONFIG_INVALID';

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  /** In file order, so the report reads top to bottom. */
  readonly problems: readonly ConfigProblem[];

  constructor(
    code: ConfigErrorCode,
    readonly file: string,
    problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    const inFileOrder = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    super(inFileOrder.map((problem) => formatProblem(file, problem)).join('\n'), options);
    this.problems = inFileOrder;
    this.name = 'ConfigError';
    this.code = code;
  }
}

/** `vortex.yaml: apps[0].max_replicas: must be ≥ 1 (line 12, column 19)`. */
export function formatProblem(file: string, problem: ConfigProblem): string {
  const where = problem.line === undefined ? '' : ` (line ${problem.line}, column ${problem.column ?? 1})`;
  return problem.path === '' ? `${file}: ${problem.message}${where}` : `${file}: ${problem.path}: ${problem.message}${where}`;
}
