/**
 * Server and client lifecycles: close() returns with watch and keep-alive streams open, and an
 * EtcdStore watch survives its server restarting, resuming after the last batch it delivered with no
 * gap and no duplicate. The backend is an EtcdStore on a real etcd, so history outlives the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WatchReader } from '../../store/conformance/contract-context.js';
import { EtcdStore } from '../../store/etcd/etcd-store.js';
import { serveStore } from '../../store/grpc/server.js';
import { StoreClosedError, StoreUnavailableError } from '../../store/errors.js';
import { prefixRange } from '../../store/store.js';
import type { Store } from '../../store/store.js';
import { startEtcd } from '../helpers/etcd.js';
import type { EtcdProcess } from '../helpers/etcd.js';

let etcd: EtcdProcess | undefined;
let backend: Store | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  backend = new EtcdStore({ endpoints: [etcd.endpoint] });
});

afterAll(async () => {
  await backend?.close();
  await etcd?.stop();
});

describe('server lifecycle', () => {
  it('close() returns while watch and keep-alive streams are open, and leaves the store open', async () => {
    const server = await serveStore(backend!, { port: 0 });
    const client = new EtcdStore({ endpoints: [server.address] });
    try {
      const put = await client.put('life/a', '1');
      const reader = new WatchReader(client.watch({ key: 'life/a', startRevision: put.revision }));
      await reader.next();
      const lease = await client.grant(30);
      await client.keepAlive(lease.id);
      await server.close();
      reader.cancel();
      expect((await backend!.get('life/a'))?.value.toString()).toBe('1');
      await backend!.revoke(lease.id);
    } finally {
      await client.close();
    }
  });

  it('an EtcdStore watch resumes across a server restart without gaps or duplicates', async () => {
    const first = await serveStore(backend!, { port: 0 });
    const client = new EtcdStore({ endpoints: [first.address] });
    const start = await backend!.put('restart/k', '0');
    const reader = new WatchReader(client.watch({ ...prefixRange('restart/'), startRevision: start.revision }));
    try {
      expect((await reader.next()).revision).toBe(start.revision);
      await first.close();
      // Written while no server is up: the resumed watch must replay them from history.
      const missed = [await backend!.put('restart/k', '1'), await backend!.put('restart/k', '2')];
      const second = await serveStore(backend!, { port: first.port });
      try {
        const later = await backend!.put('restart/k', '3');
        const revisions = [(await reader.next()).revision, (await reader.next()).revision, (await reader.next()).revision];
        expect(revisions).toEqual([...missed.map((p) => p.revision), later.revision]);
      } finally {
        reader.cancel();
        await second.close();
      }
    } finally {
      await client.close();
    }
  });

  it('a watch the store ends on its own (store closing) reaches the client as StoreUnavailableError', async () => {
    const own = new EtcdStore({ endpoints: [etcd!.endpoint] });
    const server = await serveStore(own, { port: 0 });
    const client = new EtcdStore({ endpoints: [server.address] });
    try {
      const put = await client.put('life/b', '1');
      const reader = new WatchReader(client.watch({ key: 'life/b', startRevision: put.revision }));
      await reader.next();
      await own.close();
      expect(await reader.end()).toBeInstanceOf(StoreUnavailableError);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a closed EtcdStore refuses calls with StoreClosedError', async () => {
    const client = new EtcdStore({ endpoints: [etcd!.endpoint] });
    await client.close();
    await expect(client.get('life/a')).rejects.toBeInstanceOf(StoreClosedError);
    expect(() => client.watch({ key: 'life/a' })).toThrow(StoreClosedError);
  });
});
