import { parseConfig } from '../../config/load.js';
import type { AppConfig, VortexConfig } from '../../config/resolve.js';

/**
 * One app's resolved config, exactly as vortex.yaml would give it: `app` is the app block as a user
 * writes it (`{name, backend: {plugin, ...}}`), validated by the real schema with every default applied.
 */
export function appConfigOf(app: Record<string, unknown>, rest: Record<string, unknown> = {}): AppConfig {
  const config: VortexConfig = parseConfig(JSON.stringify({ ...rest, apps: [app] }), 'test app config');
  return config.apps[0]!;
}
