import { describe, expect, it } from 'vitest';
import { parseCidr } from './cidr.js';

describe('parseCidr', () => {
  it.each([
    ['127.0.0.1/32', { address: '127.0.0.1', prefix: 32, family: 'ipv4' }],
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 'ipv4' }],
    ['192.0.2.7', { address: '192.0.2.7', prefix: 32, family: 'ipv4' }],
    ['::1/128', { address: '::1', prefix: 128, family: 'ipv6' }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
  ])('%s', (text, expected) => expect(parseCidr(text)).toEqual(expected));

  it.each(['10.0.0.0/33', '::/129', 'localhost', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/x'])('rejects %j', (text) =>
    expect(parseCidr(text)).toBeUndefined(),
  );
});
