/** Contract cases for leader election over the store: one leader, fast handover, stepping down on lease loss. */
import { expect, it, onTestFinished } from 'vitest';
import { LeaderElection } from '../election.js';
import { eventually } from './contract-context.js';
import type { ContractContext } from './contract-context.js';

const TTL_SECONDS = 2;
const RETRY_MS = 500;
/** Handover must happen within TTL + retry; the slack covers etcd's expiry check (~0.5 s) and a loaded CI box. */
const HANDOVER_MS = TTL_SECONDS * 1000 + RETRY_MS + 2_500;

function candidate(ctx: ContractContext, id: string, renewMs?: number): LeaderElection {
  const election = new LeaderElection(ctx.store(), { key: ctx.key('leader'), id, ttlSeconds: TTL_SECONDS, retryMs: RETRY_MS, renewMs });
  onTestFinished(() => election.stop());
  return election;
}

const leads = (election: LeaderElection) => () => Promise.resolve(election.isLeader ? true : undefined);

/** Registers the election cases. */
export function electionCases(ctx: ContractContext): void {
  it('with no leader key a candidate wins and a second stays follower', async () => {
    const first = candidate(ctx, 'scaler-1');
    first.start();
    await eventually(leads(first), 5_000, 'first leads');
    expect((await ctx.store().get(ctx.key('leader')))?.value.toString()).toBe('scaler-1');
    const second = candidate(ctx, 'scaler-2');
    second.start();
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 2));
    expect(second.isLeader).toBe(false);
    expect(first.isLeader).toBe(true);
  });

  it('a leader that resigns hands over at once', async () => {
    const first = candidate(ctx, 'scaler-1');
    first.start();
    await eventually(leads(first), 5_000, 'first leads');
    const second = candidate(ctx, 'scaler-2');
    second.start();
    const resignedAt = Date.now();
    await first.stop();
    await eventually(leads(second), HANDOVER_MS, 'second leads');
    expect(Date.now() - resignedAt).toBeLessThan(HANDOVER_MS);
  });

  it('a leader that stops renewing steps down and a follower leads within TTL + retry', async () => {
    const stalled = candidate(ctx, 'stalled', 3_600_000); // never renews after winning
    const changes: boolean[] = [];
    stalled.onChange((leading) => changes.push(leading));
    stalled.start();
    await eventually(leads(stalled), 5_000, 'stalled leads');
    const wonAt = Date.now();
    const follower = candidate(ctx, 'follower');
    follower.start();
    await eventually(leads(follower), HANDOVER_MS + TTL_SECONDS * 1000, 'follower leads');
    expect(changes).toEqual([true, false]);
    expect(Date.now() - wonAt).toBeLessThan(HANDOVER_MS + TTL_SECONDS * 1000);
    expect((await ctx.store().get(ctx.key('leader')))?.value.toString()).toBe('follower');
  });

  it('fence() holds only for the current leader', async () => {
    const store = ctx.store();
    const first = candidate(ctx, 'scaler-1');
    first.start();
    await eventually(leads(first), 5_000, 'first leads');
    const fence = first.fence();
    const guarded = () => store.txn({ compare: [fence], success: [{ op: 'put', key: ctx.key('work'), value: 'x' }] });
    expect((await guarded()).succeeded).toBe(true);
    await first.stop();
    const second = candidate(ctx, 'scaler-2');
    second.start();
    await eventually(leads(second), HANDOVER_MS, 'second leads');
    expect((await guarded()).succeeded).toBe(false);
  });
}
