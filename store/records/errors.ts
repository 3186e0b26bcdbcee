/** Errors of the typed-records layer, with stable codes like the store's own. */

export class RecordValidationError extends Error {
  readonly code = 'VX_RECORD_INVALID';

  constructor(
    readonly type: string,
    readonly key: string | undefined,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`records: ${type}${key ? ` at ${key}` : ''} is invalid: ${problems.join('; ')}`, options);
    this.name = 'RecordValidationError';
  }
}

/** A compare-and-set write lost: the record changed since it was read (or contention never settled). */
export class RecordConflictError extends Error {
  readonly code = 'VX_RECORD_CONFLICT';

  constructor(
    readonly type: string,
    readonly id: string,
    readonly expected: number | undefined,
    readonly actual: number | undefined,
  ) {
    super(
      expected === undefined
        ? `records: ${type} ${id} kept changing under concurrent writers; retry later`
        : `records: ${type} ${id} is at revision ${actual}, not the expected ${expected}; re-read it and retry`,
    );
    this.name = 'RecordConflictError';
  }
}
