/**
 * The Store a command runs on, from vortex.yaml's `store` section: the embedded store in
 * `store.data_dir`, or an etcd-protocol endpoint list (a `vortex store` server or an etcd cluster).
 */
import type { VortexConfig } from '../config/resolve.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import type { Store } from '../store/store.js';
import type { Logger } from './logger.js';

export async function openStore(config: VortexConfig['store'], logger: Logger): Promise<Store> {
  if (config.backend === 'etcd') {
    const endpoints = config.endpoints ?? [];
    logger.info({ endpoints }, 'using the etcd-protocol store');
    return etcdStore(endpoints);
  }
  const store = await EmbeddedStore.open({
    dataDir: config.data_dir,
    logger: { warn: (fields, message) => logger.warn(fields, message) },
  });
  logger.info({ dataDir: config.data_dir, revision: store.stats().revision }, 'embedded store open');
  return store;
}

/** The store a component command runs on: `--store` endpoints when given, else the config's store; with a description for the ready line. */
export async function openComponentStore(config: VortexConfig, endpoints: string[] | undefined, logger: Logger): Promise<{ store: Store; description: string }> {
  if (endpoints !== undefined) return { store: await etcdStore(endpoints), description: `store ${endpoints.join(',')}` };
  const store = await openStore(config.store, logger);
  return { store, description: config.store.backend === 'etcd' ? `store ${(config.store.endpoints ?? []).join(',')}` : `store ${config.store.data_dir}` };
}

/** An EtcdStore, imported on use: the etcd3 client and grpc-js cost a process about 25 MB that the embedded store does not need. */
async function etcdStore(endpoints: readonly string[]): Promise<Store> {
  const { EtcdStore } = await import('../store/etcd/etcd-store.js');
  return new EtcdStore({ endpoints: [...endpoints] });
}
