/**
 * `vortex proxy`: the proxy alone (with its telemetry and admin server) against a store in another
 * process: `--store host:port[,host:port]` (a `vortex store` server or an etcd cluster), else the
 * config's `store` section.
 */
import { parseHostPort } from '../../config/listen-address.js';
import { EtcdStore } from '../../store/etcd/etcd-store.js';
import type { Store } from '../../store/store.js';
import { configFileFor, configFor } from '../config-file.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { createLogger } from '../logger.js';
import { openStore } from '../open-store.js';
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
  const endpoints = options.store?.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const bad = endpoints?.find((e) => parseHostPort(e) === undefined);
  if (endpoints?.length === 0 || bad !== undefined) {
    io.err(`vortex proxy: --store ${JSON.stringify(options.store)}: expected host:port[,host:port], e.g. 127.0.0.1:2379`);
    return EXIT.badInput;
  }
  const config = await configFor(options.config);
  const logger = createLogger('vortex-proxy');
  let store: Store;
  let suffix: string;
  if (endpoints === undefined) {
    store = await openStore(config.store, logger);
    suffix = config.store.backend === 'etcd' ? `, store ${(config.store.endpoints ?? []).join(',')}` : `, store ${config.store.data_dir}`;
  } else {
    store = new EtcdStore({ endpoints });
    suffix = `, store ${endpoints.join(',')}`;
  }
  try {
    await runProxyStack({ label: 'vortex proxy', config, configFile: configFileFor(options.config), store, readySuffix: suffix, io, logger, signals });
  } finally {
    await store.close();
  }
  return EXIT.ok;
}
