import { describe, expect, it } from 'vitest';
import { VIA, buildUpstreamHeaders, newRequestId } from './request-headers.js';

function pairs(list: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i]!, list[i + 1]!]);
  return out;
}

describe('buildUpstreamHeaders', () => {
  it('drops hop-by-hop headers, those named in Connection, framing and Expect', () => {
    const out = buildUpstreamHeaders(
      ['host', 'a', 'connection', 'keep-alive, X-Secret', 'x-secret', '1', 'keep-alive', '5', 'te', 'trailers', 'transfer-encoding', 'chunked',
        'upgrade', 'h2c', 'proxy-authorization', 'x', 'content-length', '5', 'expect', '100-continue', 'accept', '*/*'],
      '10.0.0.1',
      false,
      '',
    );
    const names = pairs(out).map(([n]) => n);
    expect(names).toEqual(['host', 'accept', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'via', 'x-request-id']);
  });

  it('never drops Host even when Connection names it', () => {
    const out = buildUpstreamHeaders(['host', 'a', 'connection', 'host'], '10.0.0.1', false, '');
    expect(pairs(out)).toContainEqual(['host', 'a']);
  });

  it('appends the peer to a trusted X-Forwarded-For and keeps the trusted proto and host', () => {
    const out = pairs(
      buildUpstreamHeaders(['host', 'a', 'x-forwarded-for', '1.1.1.1', 'x-forwarded-proto', 'https', 'x-forwarded-host', 'front'], '10.0.0.1', true, '1.1.1.1, 2.2.2.2'),
    );
    expect(out).toContainEqual(['x-forwarded-for', '1.1.1.1, 2.2.2.2, 10.0.0.1']);
    expect(out).toContainEqual(['x-forwarded-proto', 'https']);
    expect(out).toContainEqual(['x-forwarded-host', 'front']);
  });

  it('replaces X-Forwarded-* from an untrusted peer', () => {
    const out = pairs(buildUpstreamHeaders(['host', 'a', 'x-forwarded-for', '1.1.1.1', 'x-forwarded-proto', 'https'], '10.0.0.1', false, '1.1.1.1'));
    expect(out).toContainEqual(['x-forwarded-for', '10.0.0.1']);
    expect(out).toContainEqual(['x-forwarded-proto', 'http']);
    expect(out).toContainEqual(['x-forwarded-host', 'a']);
    expect(out.filter(([n]) => n === 'x-forwarded-for')).toHaveLength(1);
  });

  it('appends to Via and keeps or makes X-Request-Id', () => {
    const kept = pairs(buildUpstreamHeaders(['host', 'a', 'via', '1.0 a', 'via', '1.1 b', 'x-request-id', 'req-1'], '10.0.0.1', false, ''));
    expect(kept).toContainEqual(['via', `1.0 a, 1.1 b, ${VIA}`]);
    expect(kept).toContainEqual(['x-request-id', 'req-1']);
    const made = pairs(buildUpstreamHeaders(['host', 'a', 'x-request-id', 'has space'], '10.0.0.1', false, ''));
    expect(made.find(([n]) => n === 'x-request-id')![1]).not.toBe('has space');
  });

  it('makes distinct request ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newRequestId()));
    expect(ids.size).toBe(1000);
  });
});
