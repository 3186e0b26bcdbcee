import { describe, expect, it } from 'vitest';
import { clampReason, isAbnormal, isSendable, lostBackendCode, protocolErrorCode } from './close-codes.js';

describe('close codes', () => {
  it.each([
    [1000, true],
    [1001, true],
    [1003, true],
    [1004, false],
    [1005, false],
    [1006, false],
    [1007, true],
    [1011, true],
    [1014, true],
    [1015, false],
    [2000, false],
    [2999, false],
    [3000, true],
    [4999, true],
    [5000, false],
    [0, false],
  ])('%i sendable: %s', (code, sendable) => {
    expect(isSendable(code)).toBe(sendable);
  });

  it('treats 1006 and 1015 as a dead connection', () => {
    expect(isAbnormal(1006)).toBe(true);
    expect(isAbnormal(1015)).toBe(true);
    expect(isAbnormal(1000)).toBe(false);
    expect(isAbnormal(1005)).toBe(false);
  });

  it('tells a failed backend (1011) from one removed on purpose (1001)', () => {
    expect(lostBackendCode(true)).toBe(1011);
    expect(lostBackendCode(false)).toBe(1001);
  });

  it('keeps reasons within 123 bytes without splitting a character', () => {
    expect(clampReason('bye')).toBe('bye');
    expect(Buffer.byteLength(clampReason('x'.repeat(200)))).toBe(123);
    const clamped = clampReason('é'.repeat(100));
    expect(Buffer.byteLength(clamped)).toBeLessThanOrEqual(123);
    expect(clamped).toBe('é'.repeat(61));
  });

  it("maps ws's protocol errors to the close code ws sent", () => {
    const err = (code: string) => Object.assign(new Error('x'), { code });
    expect(protocolErrorCode(err('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'))).toBe(1009);
    expect(protocolErrorCode(err('WS_ERR_INVALID_UTF8'))).toBe(1007);
    expect(protocolErrorCode(err('WS_ERR_INVALID_OPCODE'))).toBe(1002);
    expect(protocolErrorCode(err('ECONNRESET'))).toBeUndefined();
    expect(protocolErrorCode(null)).toBeUndefined();
  });
});
