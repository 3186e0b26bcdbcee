/** Finding the config for a command: `-c FILE` must exist; without it, ./vortex.yaml if present, else defaults. */
import { existsSync } from 'node:fs';
import { loadConfig, parseConfig } from '../config/load.js';
import type { VortexConfig } from '../config/resolve.js';

export const DEFAULT_CONFIG = 'vortex.yaml';

export async function configFor(explicit: string | undefined): Promise<VortexConfig> {
  if (explicit !== undefined) return loadConfig(explicit);
  return existsSync(DEFAULT_CONFIG) ? loadConfig(DEFAULT_CONFIG) : parseConfig('', '(defaults)');
}

/** The file a command's config came from (what SIGHUP re-reads); undefined when it runs on defaults. */
export function configFileFor(explicit: string | undefined): string | undefined {
  if (explicit !== undefined) return explicit;
  return existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined;
}
