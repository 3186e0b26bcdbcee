/**
 * `vortex scaler`: the control plane alone (the scaler, and the reconciler with the apps' backend
 * plugins while it leads) against a store in another process: `--store host:port[,host:port]`, else
 * the config's `store` section. Run several for failover: one leads, the others wait (design.md §6).
 * SIGHUP re-reads the config (an invalid file is refused and the old config stays); SIGINT/SIGTERM
 * resign at once, so a follower takes over without waiting for the lease to expire.
 */
import { loadConfig } from '../../config/load.js';
import { configFileFor, configFor } from '../config-file.js';
import { ControlPlane } from '../control-plane.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { createLogger } from '../logger.js';
import { openComponentStore } from '../open-store.js';
import { storeEndpointsFlag } from '../store-flag.js';
import type { StackSignals } from '../proxy-stack.js';

/** Options of `vortex scaler`. */
export interface ScalerCommandOptions {
  config?: string;
  /** Comma-separated `host:port` list of store endpoints. */
  store?: string;
}

/** Runs `vortex scaler` until a stop signal; resolves to the exit code. */
export async function scalerCommand(options: ScalerCommandOptions, io: CliIo, signals: StackSignals): Promise<number> {
  const endpoints = storeEndpointsFlag('vortex scaler', options.store);
  const config = await configFor(options.config);
  const configFile = configFileFor(options.config);
  const logger = createLogger('vortex-scaler');
  const { store, description } = await openComponentStore(config, endpoints, logger);
  try {
    const plane = await ControlPlane.start({ store, config, logger });
    try {
      const stopReload = signals.onReload(() => {
        if (configFile === undefined) return logger.warn({}, 'SIGHUP: no config file to re-read (running on defaults)');
        loadConfig(configFile)
          .then(async (next) => {
            await plane.applyConfig(next);
            logger.info({ file: configFile, apps: next.apps.map((app) => app.name) }, 'config reloaded');
          })
          .catch((err: unknown) => logger.error({ file: configFile, error: err instanceof Error ? err.message : String(err) }, 'SIGHUP: config refused; the running config stays'));
      });
      io.out(`vortex scaler: ${plane.scaler.id} on ${description}, apps ${config.apps.map((app) => app.name).join(', ') || '(none)'}`);
      const signal = await signals.stop;
      stopReload();
      logger.info({ signal }, 'shutting down: resigning leadership');
    } finally {
      await plane.close();
    }
  } finally {
    await store.close();
  }
  logger.info({}, 'stopped');
  return EXIT.ok;
}
