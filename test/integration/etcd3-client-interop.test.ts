/**
 * The etcd3 npm client's own high-level features against the Vortex gRPC server: builders, the shared
 * watch stream, leases with automatic keep-alive, locks, STM and elections (which need sorted ranges,
 * watch filters and start revisions). The server serves the EmbeddedStore, as `vortex store` does.
 */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStore } from '../../store/grpc/server.js';
import type { StoreServer } from '../../store/grpc/server.js';
import type { Store } from '../../store/store.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';

let dataDir = '';
let backend: Store | undefined;
let server: StoreServer | undefined;
let client: Etcd3 | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vortex-grpc-test-'));
  backend = await EmbeddedStore.open({ dataDir });
  server = await serveStore(backend, { port: 0 });
  client = new Etcd3({ hosts: server.address });
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await backend?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Resolves with the first value `register` reports, or rejects after `ms`. */
function within<T>(ms: number, register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe('etcd3 client against the Vortex gRPC server', () => {
  it('builders: put, get, getAll().prefix(), if().then().else(), delete', async () => {
    const etcd3 = client!;
    await etcd3.put('e3/a').value('1');
    await etcd3.put('e3/b').value('2');
    expect(await etcd3.get('e3/a').string()).toBe('1');
    expect(await etcd3.getAll().prefix('e3/').strings()).toEqual({ 'e3/a': '1', 'e3/b': '2' });
    expect(await etcd3.getAll().prefix('e3/').count()).toBe(2);
    const txn = await etcd3.if('e3/a', 'Value', '==', '1').then(etcd3.put('e3/a').value('won')).else(etcd3.put('e3/a').value('lost')).commit();
    expect(txn.succeeded).toBe(true);
    expect(await etcd3.get('e3/a').string()).toBe('won');
    await etcd3.delete().prefix('e3/');
    expect(await etcd3.getAll().prefix('e3/').keys()).toEqual([]);
  });

  it('watch builder: events on the shared stream, then cancel', async () => {
    const watcher = await client!.watch().prefix('e3w/').create();
    try {
      const seen = within<string>(10_000, (resolve) => watcher.on('put', (kv) => resolve(`${kv.key.toString()}=${kv.value.toString()}`)));
      await client!.put('e3w/x').value('y');
      expect(await seen).toBe('e3w/x=y');
    } finally {
      await watcher.cancel();
    }
  });

  it('a lease with automatic keep-alive holds its key until revoked', async () => {
    const lease = client!.lease(2);
    await lease.put('e3l/key').value('held');
    const renewed = within<void>(10_000, (resolve) => lease.once('keepaliveSucceeded', () => resolve()));
    await renewed;
    expect(await client!.get('e3l/key').string()).toBe('held');
    await lease.revoke();
    expect(await client!.get('e3l/key').string()).toBeNull();
  });

  it('a lock excludes a second holder until released', async () => {
    const first = await client!.lock('e3/lock').acquire();
    await expect(client!.lock('e3/lock').acquire()).rejects.toThrow();
    await first.release();
    const second = await client!.lock('e3/lock').acquire();
    await second.release();
  });

  it('an STM transaction reads and writes atomically', async () => {
    await client!.put('e3stm/n').value('1');
    await client!.stm().transact(async (tx) => {
      const n = Number(await tx.get('e3stm/n').string());
      await tx.put('e3stm/n').value(String(n + 1));
    });
    expect(await client!.get('e3stm/n').string()).toBe('2');
  });

  it('an election elects the first campaigner and hands over when it resigns', async () => {
    const election = client!.election('e3-election', 5);
    const alice = election.campaign('alice');
    await within<void>(10_000, (resolve) => alice.once('elected', () => resolve()));
    expect(await election.leader()).toBe('alice');
    const bob = client!.election('e3-election', 5).campaign('bob');
    const bobElected = within<void>(10_000, (resolve) => bob.once('elected', () => resolve()));
    await alice.resign();
    await bobElected;
    expect(await election.leader()).toBe('bob');
    await bob.resign();
  });
});
