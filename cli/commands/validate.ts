/** `vortex validate`: load vortex.yaml exactly as a start would, print a one-line summary or every problem. */
import { formatDuration } from '../../config/duration.js';
import { ConfigError } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import type { AppConfig, VortexConfig } from '../../config/resolve.js';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';

export interface ValidateOptions {
  config: string;
  json?: boolean;
}

export async function validateCommand(options: ValidateOptions, io: CliIo): Promise<number> {
  try {
    const config = await loadConfig(options.config);
    io.out(options.json ? JSON.stringify({ valid: true, file: config.source, config }) : summarize(config));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(options.json ? JSON.stringify({ valid: false, file: error.file, code: error.code, problems: error.problems }) : error.message);
    return EXIT.badInput;
  }
}

function summarize(config: VortexConfig): string {
  const count = `${config.apps.length} app${config.apps.length === 1 ? '' : 's'}`;
  const apps = config.apps.length === 0 ? count : `${count} [${config.apps.map(describeApp).join('; ')}]`;
  const store = config.store.backend === 'embedded' ? `embedded store in ${config.store.data_dir}` : `etcd at ${config.store.endpoints?.join(',')}`;
  return `${config.source}: valid: ${apps}; proxy on ${config.proxy.listen}, admin on ${config.admin.listen}, ${store}`;
}

function describeApp(app: AppConfig): string {
  const plugin = app.backend.plugin === 'module' ? app.backend.module : app.backend.plugin;
  const where = app.match.host ? `${app.match.host}${app.match.path_prefix}` : app.match.path_prefix;
  const replicas = app.backend.plugin === 'static' ? `${app.backend.upstreams.length} upstreams` : `${app.min_replicas}-${app.max_replicas} replicas`;
  return `${app.name} (${where}, ${plugin}, ${replicas}, drain ${formatDuration(app.drain_timeout)})`;
}
