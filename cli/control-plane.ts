/**
 * The control plane of one Vortex process: the scaler and, while that scaler leads, the reconciler
 * with the apps' backend providers (design.md §6). `vortex up` runs it beside the proxy and
 * `vortex scaler` alone; any number of them may share a store, and only the leader's reconciler
 * touches backends, so two processes never start or stop the same app's instances.
 *
 * Providers are loaded once per plugin (every app naming `docker` shares one provider) with one
 * PortAllocator between them, so a process backend and a host-network container never get the same
 * port. They live as long as the process: losing leadership closes the reconciler only, and backends
 * keep running for whichever reconciler leads next to adopt. Closing leaves backends running too,
 * so a restart of Vortex adopts them instead of replacing them.
 */
import { dirname, join } from 'node:path';
import type { AppConfig, VortexConfig } from '../config/resolve.js';
import { PortAllocator } from '../plugins/port-allocator.js';
import type { BackendProvider } from '../plugins/provider.js';
import { loadProvider, pluginOf } from '../plugins/registry.js';
import { Reconciler } from '../scaler/reconciler.js';
import { Scaler } from '../scaler/scaler.js';
import type { Store } from '../store/store.js';
import type { Logger } from './logger.js';

/** What {@link ControlPlane.start} needs. */
export interface ControlPlaneOptions {
  store: Store;
  config: VortexConfig;
  logger: Logger;
}

/** A directory name for a plugin's state: the built-in's name, or the module path made file-safe. */
function stateDirName(plugin: string): string {
  return plugin.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'plugin';
}

/** The backend settings that, when changed by a reload, need the apps' providers made again. */
function providerShape(apps: readonly AppConfig[]): string {
  return JSON.stringify(apps.map((app) => [app.name, app.backend]));
}

/** The scaler plus a leadership-gated reconciler over the apps' providers. */
export class ControlPlane {
  readonly scaler: Scaler;
  readonly #store: Store;
  readonly #logger: Logger;
  #config: VortexConfig;
  #providers: Map<string, BackendProvider>;
  #reconciler: Reconciler | undefined;
  /** Leadership changes and reloads, one at a time in arrival order. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(options: ControlPlaneOptions, providers: Map<string, BackendProvider>) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#config = options.config;
    this.#providers = providers;
    this.scaler = new Scaler({ store: options.store, config: options.config, logger: options.logger });
    this.scaler.onLeadershipChange((leading) => void this.#enqueue(() => (leading ? this.#startReconciler() : this.#stopReconciler())));
  }

  /** Loads the providers (a plugin that fails to load fails here, naming it) and starts campaigning. */
  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const plane = new ControlPlane(options, await loadProviders(options.config, options.logger));
    plane.scaler.start();
    options.logger.info({ scalerId: plane.scaler.id, apps: options.config.apps.map((app) => app.name) }, 'scaler campaigning for leadership');
    return plane;
  }

  /** Whether this process's scaler leads (and so its reconciler runs). */
  get isLeader(): boolean {
    return this.scaler.isLeader;
  }

  /**
   * Takes a reloaded config: the scaler decides for the new apps at once. When an app was added,
   * removed or changed, a leading reconciler restarts on the new apps (it adopts the running
   * instances, so nothing is restarted), on providers made again if a backend changed.
   */
  async applyConfig(next: VortexConfig): Promise<void> {
    this.scaler.applyConfig(next);
    const before = this.#config;
    this.#config = next;
    if (JSON.stringify(before.apps) === JSON.stringify(next.apps)) return;
    await this.#enqueue(async () => {
      const leading = this.#reconciler !== undefined;
      await this.#stopReconciler();
      if (providerShape(before.apps) !== providerShape(next.apps)) {
        const old = this.#providers;
        this.#providers = await loadProviders(next, this.#logger);
        await closeProviders(old, this.#logger);
      }
      if (leading && this.scaler.isLeader) await this.#startReconciler();
    });
  }

  /** Resigns (a follower takes over at once), stops the reconciler and releases the providers; backends keep running. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.scaler.close();
    await this.#enqueue(() => this.#stopReconciler());
    await closeProviders(this.#providers, this.#logger);
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(step).catch((err: unknown) => this.#logger.error({ err }, 'control plane: a leadership change or reload failed'));
    this.#queue = run;
    return run;
  }

  async #startReconciler(): Promise<void> {
    if (this.#closed || this.#reconciler !== undefined || !this.scaler.isLeader) return;
    const apps = this.#config.apps;
    const providers = new Map(apps.map((app) => [app.name, this.#providers.get(pluginOf(app.backend))!]));
    const reconciler = new Reconciler({ store: this.#store, apps, providers, logger: this.#logger });
    this.#reconciler = reconciler;
    await reconciler.start();
    this.#logger.info({ apps: apps.map((app) => app.name) }, 'leading: the reconciler runs');
  }

  async #stopReconciler(): Promise<void> {
    const reconciler = this.#reconciler;
    if (reconciler === undefined) return;
    this.#reconciler = undefined;
    await reconciler.close();
    this.#logger.info({}, 'the reconciler stopped (backends keep running for whichever reconciler runs next)');
  }
}

/** One provider per plugin the config's apps name, sharing one PortAllocator. */
async function loadProviders(config: VortexConfig, logger: Logger): Promise<Map<string, BackendProvider>> {
  const ports = new PortAllocator(config.cluster.starting_port);
  // Module plugin paths are relative to the config file ('(defaults)' has none: dirname gives '.', the cwd).
  const configDir = dirname(config.source);
  const byPlugin = new Map<string, AppConfig[]>();
  for (const app of config.apps) {
    const plugin = pluginOf(app.backend);
    byPlugin.set(plugin, [...(byPlugin.get(plugin) ?? []), app]);
  }
  const providers = new Map<string, BackendProvider>();
  try {
    for (const [plugin, apps] of byPlugin) {
      const context = {
        apps,
        startingPort: config.cluster.starting_port,
        stateDir: join(config.store.data_dir, 'plugins', stateDirName(plugin)),
        ports,
        logger: logger.child({ plugin }),
      };
      providers.set(plugin, await loadProvider(plugin, context, { configDir }));
    }
  } catch (err) {
    await closeProviders(providers, logger);
    throw err;
  }
  return providers;
}

async function closeProviders(providers: ReadonlyMap<string, BackendProvider>, logger: Logger): Promise<void> {
  for (const [plugin, provider] of providers) {
    await provider.close().catch((err: unknown) => logger.warn({ err, plugin }, 'closing a backend provider failed'));
  }
}
