/**
 * Scaler leader election (issue 6, scenario 1) on one store: one scaler leads and the other follows;
 * when the leader closes, is cut off from the store, or its process is killed, the follower leads
 * within TTL + retry (5 s + 2 s), and a cut-off leader stops leading before anyone else starts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Scaler, SCALER_ELECTION } from '../../scaler/scaler.js';
import { serveStore } from '../../store/grpc/server.js';
import { StoreUnavailableError } from '../../store/errors.js';
import { keys } from '../../store/keys.js';
import { ClientMetrics } from '../../store/records/client-metrics.js';
import { Records } from '../../store/records/records.js';
import { ScaleJob } from '../../store/records/scale-job.js';
import type { Store } from '../../store/store.js';
import { testApp } from '../helpers/app-config.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';

const CHILD = fileURLToPath(new URL('./fixtures/scaler-child.ts', import.meta.url));
/** The bound for a new leader: lease TTL + follower retry, plus 1 s for a loaded CI machine. */
const TAKEOVER_MS = SCALER_ELECTION.ttlSeconds * 1000 + SCALER_ELECTION.retryMs + 1_000;
const config = { apps: [testApp('hello', { scaling: { scale_up_grace_period: 0 } })] };

function scaler(store: Store, id: string): { scaler: Scaler; changes: Array<{ leading: boolean; at: number }> } {
  const instance = new Scaler({ store, id, config });
  const changes: Array<{ leading: boolean; at: number }> = [];
  instance.onLeadershipChange((leading) => changes.push({ leading, at: Date.now() }));
  onTestFinished(() => instance.close());
  instance.start();
  return { scaler: instance, changes };
}

async function leaderId(store: Store): Promise<string | undefined> {
  return (await store.get(keys.scalerLeader))?.value.toString();
}

/**
 * The store as seen from a scaler that is partitioned from it once `cut` is set: every request fails
 * as an unreachable store's would (watches already open just go quiet: nothing the scaler does reaches
 * the store any more).
 */
function partitionable(store: Store): { store: Store; cut: () => void } {
  let cut = false;
  const view = new Proxy(store, {
    get(target, property, receiver) {
      if (cut && property !== 'watch' && property !== 'close') return () => Promise.reject(new StoreUnavailableError('test: partitioned from the store'));
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: view, cut: () => (cut = true) };
}

describe('scaler leader election', () => {
  it('one of two scalers leads, the other follows, and only the leader decides', async () => {
    const { store } = await openTestStore();
    const a = scaler(store, 'scaler-a');
    await eventually(() => expect(a.scaler.isLeader).toBe(true));
    const b = scaler(store, 'scaler-b');
    await eventually(async () => expect((await new Records(store).get(ScaleJob, 'hello'))?.record.issuedBy).toBe('scaler-a'));
    expect([a.scaler.isLeader, b.scaler.isLeader, await leaderId(store)]).toEqual([true, false, 'scaler-a']);
    expect(b.changes).toEqual([]);
  });

  it('when the leader closes, the follower leads at once (the lease is revoked, not left to expire)', async () => {
    const { store } = await openTestStore();
    const a = scaler(store, 'scaler-a');
    await eventually(() => expect(a.scaler.isLeader).toBe(true));
    const b = scaler(store, 'scaler-b');
    const closedAt = Date.now();
    await a.scaler.close();
    await eventually(() => expect(b.scaler.isLeader).toBe(true), { timeoutMs: TAKEOVER_MS });
    expect(await leaderId(store)).toBe('scaler-b');
    console.log(`scaler takeover after close: ${b.changes[0]!.at - closedAt} ms`);
  });

  it('a leader cut off from the store stops leading at its lease deadline, before the follower takes over', async () => {
    const { store } = await openTestStore();
    const partition = partitionable(store);
    const a = scaler(partition.store, 'scaler-a');
    await eventually(() => expect(a.scaler.isLeader).toBe(true));
    const b = scaler(store, 'scaler-b');
    const cutAt = Date.now();
    partition.cut();
    await eventually(() => expect(b.scaler.isLeader).toBe(true), { timeoutMs: TAKEOVER_MS });
    const aLost = a.changes.find((change) => !change.leading);
    expect(aLost).toBeDefined();
    expect(aLost!.at).toBeLessThanOrEqual(b.changes[0]!.at);
    expect(a.scaler.isLeader).toBe(false);
    // Decisions now come from the new leader only.
    const records = new Records(store);
    await records.put(ClientMetrics, { id: 'hello:p1', app: 'hello', proxyId: 'p1', rps: 700, inflight: 0, p50Ms: 1, p99Ms: 1, errors: {}, rateLimited: 0, waiting: 0, windowMs: 1_000, at: Date.now(), backends: {} });
    await eventually(async () => expect((await records.get(ScaleJob, 'hello'))?.record).toMatchObject({ targetReplicas: 7, issuedBy: 'scaler-b' }));
    console.log(`scaler takeover after a cut: ${b.changes[0]!.at - cutAt} ms; the cut leader stepped down after ${aLost!.at - cutAt} ms`);
  });

  it("when the leader's process is killed, the follower leads within TTL + retry", async () => {
    const { store } = await openTestStore();
    const server = await serveStore(store, { port: 0 });
    onTestFinished(() => server.close());
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, server.address, 'scaler-child'], { stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await eventually(() => expect(out).toContain('leading\n'), { timeoutMs: 20_000 });
    const b = scaler(store, 'scaler-b');
    expect(await leaderId(store)).toBe('scaler-child');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await exited;
    await eventually(() => expect(b.scaler.isLeader).toBe(true), { timeoutMs: TAKEOVER_MS });
    expect(await leaderId(store)).toBe('scaler-b');
    console.log(`scaler takeover after SIGKILL of the leader: ${b.changes[0]!.at - killedAt} ms`);
  });
});
