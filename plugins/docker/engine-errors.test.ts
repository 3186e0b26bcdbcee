import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors.js';
import { engineFailure, isNotFound, isUnreachable, toProviderError } from './engine-errors.js';

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), { statusCode, json: { message } });
}
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
}

describe('engine errors', () => {
  it.each([
    { desc: 'missing socket', err: socketError('ENOENT'), code: 'VX_PROVIDER_ENGINE_UNREACHABLE', message: /engine unreachable while trying to start a\/1 \(ENOENT/ },
    { desc: 'refused', err: socketError('ECONNREFUSED'), code: 'VX_PROVIDER_ENGINE_UNREACHABLE', message: /ECONNREFUSED/ },
    { desc: 'an HTTP 500', err: httpError(500, 'driver failed'), code: 'VX_PROVIDER_START_FAILED', message: /could not start a\/1: driver failed \(HTTP 500\)/ },
    { desc: 'a plain value', err: 'boom', code: 'VX_PROVIDER_START_FAILED', message: /could not start a\/1: boom$/ },
  ])('$desc → $code', ({ err, code, message }) => {
    const wrapped = toProviderError(err, 'start a/1', 'VX_PROVIDER_START_FAILED');
    expect(wrapped).toBeInstanceOf(ProviderError);
    expect(wrapped.code).toBe(code);
    expect(wrapped.message).toMatch(message);
  });

  it('keeps a ProviderError as it is', () => {
    const original = new ProviderError('VX_PROVIDER_IMAGE_MISSING', 'x');
    expect(toProviderError(original, 'start', 'VX_PROVIDER_START_FAILED')).toBe(original);
  });

  it('prefers the engine message and classifies 404 and socket failures', () => {
    expect(engineFailure(httpError(404, 'No such image: x'))).toEqual({ statusCode: 404, message: 'No such image: x' });
    expect(isNotFound(httpError(404, 'gone'))).toBe(true);
    expect(isNotFound(httpError(409, 'conflict'))).toBe(false);
    expect(isUnreachable(socketError('ECONNRESET'))).toBe(true);
    expect(isUnreachable(httpError(500, 'x'))).toBe(false);
  });
});
