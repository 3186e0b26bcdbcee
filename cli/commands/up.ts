/**
 * `vortex up`: everything in one process on the config's store (the embedded store in
 * `store.data_dir` by default, served over gRPC too when `store.listen` is set): proxy, telemetry
 * and the admin server. The scaler and reconciler join in the next step (design.md §9).
 */
import { parseHostPort } from '../../config/listen-address.js';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import { serveStore } from '../../store/grpc/server.js';
import type { StoreServer } from '../../store/grpc/server.js';
import { configFileFor, configFor } from '../config-file.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { createLogger } from '../logger.js';
import { openStore } from '../open-store.js';
import { runProxyStack } from '../proxy-stack.js';
import type { StackSignals } from '../proxy-stack.js';

/** Options of `vortex up`. */
export interface UpCommandOptions {
  config?: string;
}

/** Runs `vortex up` until a stop signal; resolves to the exit code. */
export async function upCommand(options: UpCommandOptions, io: CliIo, signals: StackSignals): Promise<number> {
  const config = await configFor(options.config);
  const logger = createLogger('vortex-up');
  const store = await openStore(config.store, logger);
  let server: StoreServer | null = null;
  try {
    let suffix = config.store.backend === 'etcd' ? `, store ${(config.store.endpoints ?? []).join(',')}` : `, store ${config.store.data_dir}`;
    if (config.store.listen !== undefined && store instanceof EmbeddedStore) {
      const listen = parseHostPort(config.store.listen);
      if (listen === undefined) throw new TypeError(`store.listen: invalid host:port ${JSON.stringify(config.store.listen)}`);
      const embedded = store;
      server = await serveStore(store, { host: listen.host, port: listen.port, dbSize: () => embedded.stats().wal.bytes });
      suffix += ` (etcd v3 API on ${server.address})`;
    }
    await runProxyStack({ label: 'vortex up', config, configFile: configFileFor(options.config), store, readySuffix: suffix, io, logger, signals });
  } finally {
    await server?.close();
    await store.close();
  }
  return EXIT.ok;
}
