/**
 * `vortex proxy`: the proxy alone (with its telemetry and admin server) against a store in another
 * process: `--store host:port[,host:port]` (a `vortex store` server or an etcd cluster), else the
 * config's `store` section.
 */
import { configFileFor, configFor } from '../config-file.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { createLogger } from '../logger.js';
import { openComponentStore } from '../open-store.js';
import { storeEndpointsFlag } from '../store-flag.js';
import { runProxyStack } from '../proxy-stack.js';
import type { StackSignals } from '../proxy-stack.js';

/** Options of `vortex proxy`. */
export interface ProxyCommandOptions {
  config?: string;
  /** Comma-separated `host:port` list of store endpoints. */
  store?: string;
}

/** Runs `vortex proxy` until a stop signal; resolves to the exit code. */
export async function proxyCommand(options: ProxyCommandOptions, io: CliIo, signals: StackSignals): Promise<number> {
  const endpoints = storeEndpointsFlag('vortex proxy', options.store);
  const config = await configFor(options.config);
  const logger = createLogger('vortex-proxy');
  const { store, description } = await openComponentStore(config, endpoints, logger);
  try {
    await runProxyStack({ label: 'vortex proxy', config, configFile: configFileFor(options.config), store, readySuffix: `, ${description}`, io, logger, signals });
  } finally {
    await store.close();
  }
  return EXIT.ok;
}
