import { describe, expect, it } from 'vitest';
import { TrustedNetworks } from './trusted-networks.js';

describe('TrustedNetworks', () => {
  const trusted = new TrustedNetworks(['127.0.0.1/32', '10.0.0.0/8', '2001:db8::/32', 'fd00::1/128', '192.168.1.0/24']);

  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['10.255.0.1', true],
    ['11.0.0.1', false],
    ['192.168.1.77', true],
    ['192.168.2.1', false],
    ['2001:db8:ffff::1', true],
    ['2001:db9::1', false],
    ['fd00::1', true],
    ['fd00::2', false],
    ['::ffff:10.1.2.3', true],
    ['not-an-ip', false],
  ])('%s → %s', (address, expected) => expect(trusted.containsText(address)).toBe(expected));

  it('an empty set trusts nobody, /0 trusts everybody of its family', () => {
    expect(new TrustedNetworks([]).containsText('127.0.0.1')).toBe(false);
    expect(new TrustedNetworks(['0.0.0.0/0']).containsText('8.8.8.8')).toBe(true);
    expect(new TrustedNetworks(['0.0.0.0/0']).containsText('::1')).toBe(false);
  });

  it('refuses an invalid block', () => {
    expect(() => new TrustedNetworks(['10.0.0.0/40'])).toThrow('invalid CIDR block "10.0.0.0/40"');
  });
});
