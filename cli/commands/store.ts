/**
 * `vortex store`: the embedded store alone, served over the etcd v3 gRPC subset, for proxies and
 * scalers on other processes or machines (`store: {backend: etcd, endpoints: [...]}`), and for etcdctl.
 * Runs until SIGINT or SIGTERM, then closes the server and the store (the WAL is synced on every write).
 */
import { parseHostPort } from '../../config/listen-address.js';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import { serveStore } from '../../store/grpc/server.js';
import { configFor } from '../config-file.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { createLogger } from '../logger.js';

export interface StoreCommandOptions {
  config?: string;
  listen?: string;
  data?: string;
}

/** Where the store listens when neither --listen nor store.listen says: etcd's client port, loopback only. */
const DEFAULT_LISTEN = '127.0.0.1:2379';

export async function storeCommand(options: StoreCommandOptions, io: CliIo, stopSignal: Promise<string>): Promise<number> {
  const config = await configFor(options.config);
  const listenText = options.listen ?? config.store.listen ?? DEFAULT_LISTEN;
  const listen = parseHostPort(listenText);
  if (!listen) {
    io.err(`vortex store: --listen ${JSON.stringify(listenText)}: expected host:port, e.g. 127.0.0.1:2379`);
    return EXIT.badInput;
  }
  const dataDir = options.data ?? config.store.data_dir;
  const logger = createLogger('vortex-store');
  const store = await EmbeddedStore.open({ dataDir, logger: { warn: (fields, message) => logger.warn(fields, message) } });
  try {
    const server = await serveStore(store, { host: listen.host, port: listen.port, dbSize: () => store.stats().wal.bytes });
    io.out(`vortex store: serving ${dataDir} on ${server.address} (etcd v3 API; revision ${store.stats().revision})`);
    const signal = await stopSignal;
    logger.info({ signal }, 'stopping');
    await server.close();
  } finally {
    await store.close();
  }
  return EXIT.ok;
}
