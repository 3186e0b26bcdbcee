/**
 * The Store contract against every implementation we can build here. Adding one is one entry in
 * IMPLEMENTATIONS. The real etcd (Debian etcd-server) is started once for the file.
 */
import { afterAll, beforeAll } from 'vitest';
import { runStoreContract } from '../../store/conformance/store-contract.js';
import type { StoreContractOptions } from '../../store/conformance/store-contract.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import { EtcdStore } from '../../store/etcd/etcd-store.js';
import { serveStore } from '../../store/grpc/server.js';
import type { Store } from '../../store/store.js';
import { startEtcd } from '../helpers/etcd.js';
import type { EtcdProcess } from '../helpers/etcd.js';

let etcd: EtcdProcess | undefined;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

function etcdEndpoint(): string {
  if (!etcd) throw new Error('etcd is not running');
  return etcd.endpoint;
}

/** EtcdStore → Vortex gRPC server → `backend` (the server proven by a client that cannot tell). */
async function overGrpc(backend: Store): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  const server = await serveStore(backend, { port: 0 });
  const store = new EtcdStore({ endpoints: [server.address] });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await server.close();
      await backend.close();
    },
  };
}

/** An EmbeddedStore in a fresh temp data dir, removed again by `cleanup`. */
async function embedded(): Promise<{ store: EmbeddedStore; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vortex-contract-'));
  return { store: await EmbeddedStore.open({ dataDir }), dataDir };
}

const IMPLEMENTATIONS: StoreContractOptions[] = [
  {
    name: 'EmbeddedStore in process',
    create: async () => {
      const { store, dataDir } = await embedded();
      return { store, cleanup: () => store.close().finally(() => rm(dataDir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'EtcdStore → Vortex gRPC server → EmbeddedStore',
    create: async () => {
      const { store, dataDir } = await embedded();
      const served = await overGrpc(store);
      return { store: served.store, cleanup: () => served.cleanup().finally(() => rm(dataDir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'EtcdStore → real etcd',
    create: () => {
      const store = new EtcdStore({ endpoints: [etcdEndpoint()] });
      return Promise.resolve({ store, cleanup: () => store.close() });
    },
  },
  {
    name: 'EtcdStore → Vortex gRPC server → EtcdStore → real etcd',
    create: () => overGrpc(new EtcdStore({ endpoints: [etcdEndpoint()] })),
  },
];

for (const implementation of IMPLEMENTATIONS) runStoreContract(implementation);
