import { describe, expect, it } from 'vitest';
import {
  BodyTimeoutError,
  ConnectRefusedError,
  ConnectTimeoutError,
  HeadersTimeoutError,
  InvalidArgumentError,
  InvalidRequestError,
  PoolClosedError,
  QueueFullError,
  RequestAbortedError,
  UpstreamError,
  UpstreamParseError,
  UpstreamResetError,
} from './errors.js';

const before = { responseStarted: false, requestBodyBytes: 0 };
const after = { responseStarted: true, requestBodyBytes: 10 };

describe('upstream errors', () => {
  const table: Array<[UpstreamError, string, boolean]> = [
    [new ConnectRefusedError('h:1', before), 'VX_UPSTREAM_CONNECT_REFUSED', true],
    [new ConnectTimeoutError('h:1', 5, before), 'VX_UPSTREAM_CONNECT_TIMEOUT', true],
    [new HeadersTimeoutError(5, before), 'VX_UPSTREAM_HEADERS_TIMEOUT', false],
    [new BodyTimeoutError(5, after), 'VX_UPSTREAM_BODY_TIMEOUT', false],
    [new UpstreamResetError('closed', before, 0), 'VX_UPSTREAM_RESET', true],
    [new UpstreamResetError('closed', before, 12), 'VX_UPSTREAM_RESET', false],
    [new UpstreamResetError('closed', after, 0), 'VX_UPSTREAM_RESET', false],
    [new UpstreamParseError('bad'), 'VX_UPSTREAM_PARSE', false],
    [new QueueFullError('h:1', 3), 'VX_UPSTREAM_QUEUE_FULL', true],
    [new RequestAbortedError('why', before), 'VX_UPSTREAM_ABORTED', false],
    [new PoolClosedError('h:1'), 'VX_UPSTREAM_CLOSED', true],
    [new PoolClosedError('h:1', before, true), 'VX_UPSTREAM_CLOSED', false],
    [new InvalidRequestError('bad'), 'VX_UPSTREAM_INVALID_REQUEST', false],
    [new InvalidArgumentError('bad'), 'VX_UPSTREAM_INVALID_ARGUMENT', false],
  ];
  for (const [err, code, elsewhere] of table) {
    it(`${err.name}: ${code}, retryable elsewhere: ${elsewhere}`, () => {
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err.code).toBe(code);
      expect(err.retryableElsewhere).toBe(elsewhere);
      expect(err.message.startsWith('upstream: ')).toBe(true);
    });
  }

  it('carries the progress it was given', () => {
    const err = new BodyTimeoutError(5, after);
    expect([err.responseStarted, err.requestBodyBytes]).toEqual([true, 10]);
    expect(new UpstreamParseError('x').reason).toBe('x');
  });
});
