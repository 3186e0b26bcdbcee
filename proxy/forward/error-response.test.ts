import { describe, expect, it } from 'vitest';
import { ERROR_KINDS, errorResponse, kindOfUpstreamError, statusOf } from './error-response.js';

describe('error responses', () => {
  it('has one status per kind and a short JSON body', () => {
    for (const kind of ERROR_KINDS) expect(statusOf(kind)).toBeGreaterThanOrEqual(400);
    const r = errorResponse('no_backend', 'hello', ['retry-after', '1']);
    expect(r.status).toBe(503);
    expect(r.statusLine).toBe('503 Service Unavailable');
    expect(JSON.parse(r.body)).toEqual({ error: 'no_backend', app: 'hello' });
    expect(r.headers).toEqual(['content-type', 'application/json', 'retry-after', '1']);
    expect(JSON.parse(errorResponse('no_route', undefined).body)).toEqual({ error: 'no_route' });
  });

  it('maps upstream failures: timeouts to 504, the rest to 502', () => {
    expect(statusOf(kindOfUpstreamError('VX_UPSTREAM_HEADERS_TIMEOUT'))).toBe(504);
    expect(statusOf(kindOfUpstreamError('VX_UPSTREAM_CONNECT_TIMEOUT'))).toBe(504);
    expect(statusOf(kindOfUpstreamError('VX_UPSTREAM_CONNECT_REFUSED'))).toBe(502);
    expect(statusOf(kindOfUpstreamError('VX_UPSTREAM_RESET'))).toBe(502);
    expect(statusOf(kindOfUpstreamError('VX_UPSTREAM_PARSE'))).toBe(502);
    expect(statusOf(kindOfUpstreamError('VX_UPSTREAM_INVALID_REQUEST'))).toBe(400);
  });

  it('keeps kind names stable (they are metric labels)', () => {
    expect(ERROR_KINDS.slice(0, 3)).toEqual(['no_route', 'no_backend', 'hold_timeout']);
  });
});
