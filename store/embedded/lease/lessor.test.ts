import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/helpers/fake-clock.js';
import { InvalidArgumentError, LeaseNotFoundError } from '../../errors.js';
import { Lessor } from './lessor.js';

function lessor(clock: FakeClock, maxExpiriesPerTick = 1000) {
  const expired: string[] = [];
  const l = new Lessor({ clock, minTtlSeconds: 2, maxExpiriesPerTick, revoke: (id) => expired.push(id) });
  return { l, expired };
}

describe('Lessor', () => {
  it('expires leases in deadline order, skipping deadlines superseded by renewals', () => {
    const clock = new FakeClock(0);
    const { l, expired } = lessor(clock);
    l.grant('1', 5, 4_800);
    l.grant('2', 3, 3_000);
    l.grant('3', 4, 4_000);
    l.start();
    clock.advance(2_000);
    l.setDeadline('2', l.renewDeadline('2')); // now 5 s
    clock.advance(2_500); // t = 4.5 s
    expect(expired).toEqual(['3']);
    clock.advance(1_000); // t = 5.5 s
    expect(expired).toEqual(['3', '1', '2']);
  });

  it('refuses to renew a lease whose deadline passed before it was revoked', () => {
    const clock = new FakeClock(0);
    const { l } = lessor(clock);
    l.grant('1', 5, 5_000); // not started: nothing revokes it
    clock.advance(5_000);
    expect(() => l.renewDeadline('1')).toThrow(LeaseNotFoundError);
    expect(() => l.renewDeadline('9')).toThrow(LeaseNotFoundError);
  });

  it('handles at most maxExpiriesPerTick per tick and schedules the rest at once', () => {
    const clock = new FakeClock(0);
    const { l, expired } = lessor(clock, 2);
    for (let i = 1; i <= 5; i++) l.grant(String(i), 2, 1_000);
    l.start();
    clock.advance(1_000);
    expect(expired).toHaveLength(5);
  });

  it('applies etcd TTL bounds and tracks attached keys', () => {
    const clock = new FakeClock(0);
    const { l } = lessor(clock);
    expect(l.effectiveTtl(0)).toBe(2);
    expect(l.effectiveTtl(60)).toBe(60);
    expect(() => l.effectiveTtl(1.5)).toThrow(InvalidArgumentError);
    expect(() => l.effectiveTtl(9_000_000_001)).toThrow('too large lease TTL');
    l.grant('1', 10, 10_000);
    l.grant('2', 10, 10_000);
    const kv = (lease: string) => ({ key: Buffer.from('k'), value: Buffer.from('v'), createRevision: 2, modRevision: 2, version: 1, lease });
    l.trackChanges([{ type: 'put', kv: kv('1') }]);
    expect(l.keysOf('1')).toEqual(['k']);
    l.trackChanges([{ type: 'put', kv: kv('2'), prevKv: kv('1') }]);
    expect([l.keysOf('1'), l.keysOf('2')]).toEqual([[], ['k']]);
    expect(l.timeToLive('2', true)).toEqual({ id: '2', ttlSeconds: 10, grantedTtlSeconds: 10, keys: [Buffer.from('k')] });
  });
});
