import { describe, expect, it } from 'vitest';
import { eventually, EventuallyTimeoutError } from './eventually.js';

describe('eventually', () => {
  it('retries until the check passes and returns its value', async () => {
    let attempts = 0;
    const value = await eventually(
      () => {
        attempts += 1;
        if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
        return 'ready';
      },
      { timeoutMs: 5000, intervalMs: 1 },
    );
    expect({ value, attempts }).toEqual({ value: 'ready', attempts: 3 });
  });

  it('throws the last error the check threw once the deadline passes', async () => {
    let attempts = 0;
    const failing = eventually(
      () => {
        attempts += 1;
        throw new Error(`attempt ${attempts} failed`);
      },
      { timeoutMs: 50, intervalMs: 5 },
    );
    await expect(failing).rejects.toThrow(/^attempt \d+ failed$/);
    expect(attempts).toBeGreaterThan(1);
  });

  it('gives up on a check still running at the deadline, keeping the previous failure as the cause', async () => {
    let attempts = 0;
    const hanging = eventually(
      async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('first attempt failed');
        await new Promise(() => {});
      },
      { timeoutMs: 50, intervalMs: 1 },
    );
    const err: unknown = await hanging.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventuallyTimeoutError);
    expect(err).toMatchObject({ code: 'VX_TEST_EVENTUALLY_TIMEOUT', cause: { message: 'first attempt failed' } });
  });
});
