/**
 * A scaler on a remote Vortex store (etcd3 client over gRPC) rides out a short store outage: the
 * server goes away for a second and comes back on the same port; the lease outlives the outage, so
 * the scaler keeps leading, and a load change made during the outage is decided once it is back.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Scaler } from '../../scaler/scaler.js';
import { EtcdStore } from '../../store/etcd/etcd-store.js';
import { serveStore } from '../../store/grpc/server.js';
import { keys } from '../../store/keys.js';
import { ClientMetrics } from '../../store/records/client-metrics.js';
import { Records } from '../../store/records/records.js';
import { ScaleJob } from '../../store/records/scale-job.js';
import { testApp } from '../helpers/app-config.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';

/** Shorter than the 5 s lease: the scaler must keep leading through it. */
const OUTAGE_MS = 1_000;

describe('scaler and a store outage', () => {
  it('keeps leading through a short outage and decides on what changed meanwhile', async () => {
    const { store } = await openTestStore();
    let server = await serveStore(store, { port: 0 });
    onTestFinished(() => server.close());
    const client = new EtcdStore({ endpoints: [server.address] });
    onTestFinished(() => client.close());
    const scaler = new Scaler({ store: client, id: 'remote-scaler', config: { apps: [testApp('hello', { scaling: { scale_up_grace_period: 0 } })] } });
    onTestFinished(() => scaler.close());
    const changes: boolean[] = [];
    scaler.onLeadershipChange((leading) => changes.push(leading));
    scaler.start();
    await eventually(() => expect(scaler.isLeader).toBe(true), { timeoutMs: 10_000 });

    const records = new Records(store);
    const lease = (await store.grant(30)).id;
    const report = (rps: number) =>
      records.put(ClientMetrics, { id: 'hello:p1', app: 'hello', proxyId: 'p1', rps, inflight: 0, p50Ms: 1, p99Ms: 1, errors: {}, rateLimited: 0, waiting: 0, windowMs: 60_000, at: Date.now(), backends: {} }, { lease });
    await report(300);
    await eventually(async () => expect((await records.get(ScaleJob, 'hello'))?.record.targetReplicas).toBe(3));

    const port = server.port;
    await server.close();
    await report(600);
    await delay(OUTAGE_MS); // the outage itself, not a wait for a result
    server = await serveStore(store, { port });
    await eventually(async () => expect((await records.get(ScaleJob, 'hello'))?.record).toMatchObject({ targetReplicas: 6, issuedBy: 'remote-scaler' }), { timeoutMs: 15_000 });
    expect([scaler.isLeader, changes, (await store.get(keys.scalerLeader))?.value.toString()]).toEqual([true, [true], 'remote-scaler']);
  });
});
