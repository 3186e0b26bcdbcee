import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from './listen-address.js';

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:8000', { host: '127.0.0.1', port: 8000 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:2379', { host: '::1', port: 2379 }],
    ['localhost:8001', { host: 'localhost', port: 8001 }],
    ['etcd-1.internal:2379', { host: 'etcd-1.internal', port: 2379 }],
  ])('%s', (text, expected) => expect(parseHostPort(text)).toEqual(expected));

  it.each(['127.0.0.1', ':8000', '127.0.0.1:70000', '999.1.1.1:80', '::1:80', '[127.0.0.1]:80', 'a b:80', '127.0.0.1:-1', 'host:80:80'])(
    'rejects %j',
    (text) => expect(parseHostPort(text)).toBeUndefined(),
  );

  it('brackets IPv6 when formatting', () => {
    expect(formatHostPort({ host: '::1', port: 80 })).toBe('[::1]:80');
    expect(formatHostPort({ host: '127.0.0.1', port: 80 })).toBe('127.0.0.1:80');
  });
});
