/** Where a command writes: the real process streams, or buffers in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Exit codes every command uses: 0 done, 1 failed at run time, 2 bad input (config or usage). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;
