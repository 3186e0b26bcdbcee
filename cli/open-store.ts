/**
 * The Store a command runs on, from vortex.yaml's `store` section: the embedded store in
 * `store.data_dir`, or an etcd-protocol endpoint list (a `vortex store` server or an etcd cluster).
 */
import { parseHostPort } from '../config/listen-address.js';
import type { VortexConfig } from '../config/resolve.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import { EtcdStore } from '../store/etcd/etcd-store.js';
import type { Store } from '../store/store.js';
import type { Logger } from './logger.js';

export async function openStore(config: VortexConfig['store'], logger: Logger): Promise<Store> {
  if (config.backend === 'etcd') {
    const endpoints = config.endpoints ?? [];
    logger.info({ endpoints }, 'using the etcd-protocol store');
    return new EtcdStore({ endpoints: [...endpoints] });
  }
  const store = await EmbeddedStore.open({
    dataDir: config.data_dir,
    logger: { warn: (fields, message) => logger.warn(fields, message) },
  });
  logger.info({ dataDir: config.data_dir, revision: store.stats().revision }, 'embedded store open');
  return store;
}

/** `--store host:port[,host:port]` as a list, or undefined when absent; throws a usage message when malformed. */
export function storeEndpointsFlag(command: string, flag: string | undefined): string[] | undefined {
  const endpoints = flag?.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (endpoints !== undefined && (endpoints.length === 0 || endpoints.some((e) => parseHostPort(e) === undefined))) {
    throw new StoreFlagError(`${command}: --store ${JSON.stringify(flag)}: expected host:port[,host:port], e.g. 127.0.0.1:2379`);
  }
  return endpoints;
}

/** A malformed `--store` flag (a usage error: exit code 2). */
export class StoreFlagError extends Error {
  override readonly name = 'StoreFlagError';
}

/** The store a component command runs on: `--store` endpoints when given, else the config's store; with a description for the ready line. */
export async function openComponentStore(config: VortexConfig, endpoints: string[] | undefined, logger: Logger): Promise<{ store: Store; description: string }> {
  if (endpoints !== undefined) return { store: new EtcdStore({ endpoints }), description: `store ${endpoints.join(',')}` };
  const store = await openStore(config.store, logger);
  return { store, description: config.store.backend === 'etcd' ? `store ${(config.store.endpoints ?? []).join(',')}` : `store ${config.store.data_dir}` };
}
