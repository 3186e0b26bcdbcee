/** Contract cases for leader election over the store: one leader, fast handover, stepping down on lease loss. */
import { expect, it } from 'vitest';
import { LeaderElection } from '../election.js';
import { eventually } from './contract-context.js';
import type { ContractContext } from './contract-context.js';
import type { Store, WatchRequest, Watcher } from '../store.js';

const TTL_SECONDS = 2;
const RETRY_MS = 500;
/** Handover must happen within TTL + retry; the slack covers etcd's expiry check (~0.5 s) and a loaded CI box. */
const HANDOVER_MS = TTL_SECONDS * 1000 + RETRY_MS + 2_500;

type Candidate = (id: string, store?: Store) => LeaderElection;

/**
 * Runs a case with candidates that are all stopped (leases revoked) before the case ends, while the
 * store is still open: a leader key left to expire would change revisions under the next case. A
 * candidate cut off from the store cannot stop cleanly; it is given a second, then left behind.
 */
function withCandidates(ctx: ContractContext, body: (candidate: Candidate) => Promise<void>): () => Promise<void> {
  return async () => {
    const started: LeaderElection[] = [];
    const candidate: Candidate = (id, store = ctx.store()) => {
      const election = new LeaderElection(store, { key: ctx.key('leader'), id, ttlSeconds: TTL_SECONDS, retryMs: RETRY_MS });
      started.push(election);
      return election;
    };
    try {
      await body(candidate);
    } finally {
      await Promise.all(started.map((election) => Promise.race([election.stop(), new Promise((resolve) => setTimeout(resolve, 1_000))])));
    }
  };
}

/**
 * The real store seen through a link that can be cut: after `cut()`, every call hangs and watches go
 * quiet, as for a leader that is partitioned away or frozen. The store itself keeps running.
 */
function cuttable(store: Store): { store: Store; cut: () => void } {
  let cut = false;
  const hang = new Promise<never>(() => undefined);
  const through = new Proxy(store, {
    get(target, name, receiver) {
      const member: unknown = Reflect.get(target, name, receiver);
      if (typeof member !== 'function') return member;
      if (name === 'watch') {
        return (request: WatchRequest): Watcher => {
          const inner = target.watch(request);
          return {
            cancel: () => inner.cancel(),
            async *[Symbol.asyncIterator]() {
              for await (const batch of inner) {
                if (cut) await hang;
                yield batch;
              }
            },
          };
        };
      }
      return (...args: unknown[]) => (cut ? hang : (member as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { store: through, cut: () => (cut = true) };
}

const leads = (election: LeaderElection) => () => Promise.resolve(election.isLeader ? true : undefined);

/** Registers the election cases. */
export function electionCases(ctx: ContractContext): void {
  it('with no leader key a candidate wins and a second stays follower', withCandidates(ctx, async (candidate) => {
    const first = candidate('scaler-1');
    first.start();
    await eventually(leads(first), 5_000, 'first leads');
    expect((await ctx.store().get(ctx.key('leader')))?.value.toString()).toBe('scaler-1');
    const second = candidate('scaler-2');
    second.start();
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 2));
    expect(second.isLeader).toBe(false);
    expect(first.isLeader).toBe(true);
  }));

  it('a leader that resigns hands over at once', withCandidates(ctx, async (candidate) => {
    const first = candidate('scaler-1');
    first.start();
    await eventually(leads(first), 5_000, 'first leads');
    const second = candidate('scaler-2');
    second.start();
    const resignedAt = Date.now();
    await first.stop();
    await eventually(leads(second), HANDOVER_MS, 'second leads');
    expect(Date.now() - resignedAt).toBeLessThan(HANDOVER_MS);
  }));

  it('a leader that stops renewing steps down and a follower leads within TTL + retry', withCandidates(ctx, async (candidate) => {
    const link = cuttable(ctx.store());
    const stalled = candidate('stalled', link.store);
    const changes: [boolean, number][] = [];
    stalled.onChange((leading) => changes.push([leading, Date.now()]));
    stalled.start();
    await eventually(leads(stalled), 5_000, 'stalled leads');
    const follower = candidate('follower');
    follower.start();
    const cutAt = Date.now();
    link.cut();
    await eventually(leads(follower), HANDOVER_MS, 'follower leads');
    expect(Date.now() - cutAt).toBeLessThan(HANDOVER_MS);
    // The stalled leader stepped down by its own clock, no later than TTL after its last renewal.
    expect(changes.map(([leading]) => leading)).toEqual([true, false]);
    expect(changes[1]![1] - cutAt).toBeLessThanOrEqual(TTL_SECONDS * 1000 + 100);
    expect((await ctx.store().get(ctx.key('leader')))?.value.toString()).toBe('follower');
  }));

  it('fence() holds only for the current leader', withCandidates(ctx, async (candidate) => {
    const store = ctx.store();
    const first = candidate('scaler-1');
    first.start();
    await eventually(leads(first), 5_000, 'first leads');
    const fence = first.fence();
    const guarded = () => store.txn({ compare: [fence], success: [{ op: 'put', key: ctx.key('work'), value: 'x' }] });
    expect((await guarded()).succeeded).toBe(true);
    await first.stop();
    const second = candidate('scaler-2');
    second.start();
    await eventually(leads(second), HANDOVER_MS, 'second leads');
    expect((await guarded()).succeeded).toBe(false);
  }));
}
