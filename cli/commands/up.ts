/**
 * `vortex up`: everything in one process on the config's store (the embedded store in
 * `store.data_dir` by default, served over gRPC too when `store.listen` is set): the control plane
 * (scaler, and the reconciler with the apps' backend plugins while the scaler leads), the proxy,
 * telemetry and the admin server (design.md §9). On SIGINT/SIGTERM the proxy drains first, then the
 * control plane resigns; backends keep running, and the next `vortex up` adopts them.
 */
import { parseHostPort } from '../../config/listen-address.js';
import { registerControlPlaneMetrics } from '../../scaler/metrics.js';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import type { StoreServer } from '../../store/grpc/server.js';
import { configFileFor, configFor } from '../config-file.js';
import { ControlPlane } from '../control-plane.js';
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
  let controlPlane: ControlPlane | null = null;
  try {
    let suffix = config.store.backend === 'etcd' ? `, store ${(config.store.endpoints ?? []).join(',')}` : `, store ${config.store.data_dir}`;
    if (config.store.listen !== undefined && store instanceof EmbeddedStore) {
      const listen = parseHostPort(config.store.listen);
      if (listen === undefined) throw new TypeError(`store.listen: invalid host:port ${JSON.stringify(config.store.listen)}`);
      const embedded = store;
      // Imported on use: grpc-js and the protos are only needed when the store is served.
      const { serveStore } = await import('../../store/grpc/server.js');
      server = await serveStore(store, { host: listen.host, port: listen.port, dbSize: () => embedded.stats().wal.bytes });
      suffix += ` (etcd v3 API on ${server.address})`;
    }
    const plane = await ControlPlane.start({ store, config, logger });
    controlPlane = plane;
    await runProxyStack({
      label: 'vortex up',
      config,
      configFile: configFileFor(options.config),
      store,
      readySuffix: suffix,
      io,
      logger,
      signals,
      onConfigReloaded: (next) => plane.applyConfig(next),
      metrics: (registry) =>
        registerControlPlaneMetrics(registry, { store, isLeader: () => plane.isLeader, ...(store instanceof EmbeddedStore ? { storeStats: () => store.stats() } : {}) }),
    });
  } finally {
    await controlPlane?.close();
    await server?.close();
    await store.close();
  }
  return EXIT.ok;
}
