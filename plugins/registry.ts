/**
 * `backend.plugin` → a BackendProvider. Built-ins by name; anything that looks like a path (`./`,
 * `../`, `/`) is a third-party module, resolved against the config file's directory, whose default
 * export is a ProviderFactory. Whatever a module does wrong (missing, throwing, exporting the wrong
 * thing, returning an object without the contract's methods) becomes one VX_PROVIDER_PLUGIN_LOAD
 * naming the path and the reason, at load time, not at the first start().
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BackendConfig } from '../config/schema.js';
import { BUILTIN_PLUGINS, isPluginPath } from '../config/schema.js';
import { ProviderError } from './errors.js';
import type { BackendProvider, ProviderContext, ProviderFactory } from './provider.js';

/**
 * The built-in plugins, by the name `backend.plugin` uses. Each is imported when an app first names
 * it: dockerode and its dependencies cost a process about 25 MB, which a Vortex without Docker apps
 * should not pay.
 */
export const BUILTIN_PROVIDERS: Readonly<Record<(typeof BUILTIN_PLUGINS)[number], ProviderFactory>> = {
  docker: async (context) => (await import('./docker/docker-provider.js')).createDockerProvider(context),
  process: async (context) => (await import('./process/process-provider.js')).createProcessProvider(context),
  static: async (context) => (await import('./static/static-provider.js')).createStaticProvider(context),
};

/** Options for {@link loadProvider}. */
export interface LoadProviderOptions {
  /** The directory relative module paths are resolved against: the config file's directory. */
  configDir: string;
}

/** The plugin an app's backend names: a built-in name or the module path as written. */
export function pluginOf(backend: BackendConfig): string {
  return backend.plugin === 'module' ? backend.module : backend.plugin;
}

/** Creates the provider for `plugin` (a built-in name or a module path). */
export async function loadProvider(plugin: string, context: ProviderContext, options: LoadProviderOptions): Promise<BackendProvider> {
  const builtin = BUILTIN_PROVIDERS[plugin as keyof typeof BUILTIN_PROVIDERS] as ProviderFactory | undefined;
  if (builtin !== undefined) return builtin(context);
  if (!isPluginPath(plugin)) {
    throw new ProviderError('VX_PROVIDER_PLUGIN_LOAD', `plugin ${JSON.stringify(plugin)}: not a built-in (${BUILTIN_PLUGINS.join(', ')}) and not a module path (./, ../ or /)`);
  }
  const path = isAbsolute(plugin) ? plugin : resolve(options.configDir, plugin);
  const fail = (reason: string, cause?: unknown) =>
    new ProviderError('VX_PROVIDER_PLUGIN_LOAD', `plugin ${plugin} (${path}): ${reason}`, cause === undefined ? undefined : { cause });

  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (err) {
    throw fail(`could not load the module: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (typeof module.default !== 'function') {
    throw fail(`its default export must be a factory function (context) => BackendProvider, got ${describe(module.default)}`);
  }
  let provider: unknown;
  try {
    provider = await (module.default as ProviderFactory)(context);
  } catch (err) {
    throw fail(`its factory threw: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const problem = contractProblem(provider);
  if (problem !== undefined) throw fail(`its factory returned something that is not a BackendProvider: ${problem}`);
  return provider as BackendProvider;
}

const METHODS = ['start', 'stop', 'list', 'inspect', 'close'] as const;

/** Why `value` does not satisfy BackendProvider, or undefined when it does (as far as a runtime check can tell). */
export function contractProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `got ${describe(value)}`;
  const candidate = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof candidate.name !== 'string' || candidate.name === '') problems.push('name must be a non-empty string');
  if (typeof candidate.scalable !== 'boolean') problems.push('scalable must be a boolean');
  for (const method of METHODS) if (typeof candidate[method] !== 'function') problems.push(`${method}() is missing`);
  if (candidate.events !== undefined && typeof candidate.events !== 'function') problems.push('events must be a method when present');
  return problems.length === 0 ? undefined : problems.join('; ');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
