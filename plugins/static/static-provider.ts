/**
 * The `static` plugin: a fixed list of upstreams per app (a plain reverse proxy). Nothing is started
 * or stopped, so `scalable` is false and start/stop refuse; `list()` is the configuration itself and
 * `inspect()` says "alive" for a configured upstream, because whether it answers is the reconciler's
 * health probe, not something this provider can know without doing the probe's job.
 */
import { ProviderError } from '../errors.js';
import type { BackendProvider, Instance, InstanceSpec, InstanceStatus, ProviderContext, ProviderFactory } from '../provider.js';

/** BackendProvider over the `upstreams` of every static app in the context. */
export class StaticProvider implements BackendProvider {
  readonly name = 'static';
  readonly scalable = false;
  readonly #instances: readonly Instance[];

  constructor(context: ProviderContext, now: number = Date.now()) {
    this.#instances = context.apps.flatMap((app) =>
      app.backend.plugin === 'static'
        ? app.backend.upstreams.map((address) => ({
            // instanceId: the address itself, unique within the app and stable across restarts.
            id: `static:${app.name}:${address}`,
            app: app.name,
            instanceId: address,
            address,
            startedAt: now,
            labels: { upstream: address },
          }))
        : [],
    );
  }

  start(spec: InstanceSpec): Promise<Instance> {
    return Promise.reject(new ProviderError('VX_PROVIDER_INVALID_SPEC', `app ${spec.app}: a static backend has a fixed list of upstreams; it cannot start instances`));
  }

  stop(instance: Instance): Promise<void> {
    return Promise.reject(new ProviderError('VX_PROVIDER_INVALID_SPEC', `app ${instance.app}: a static backend has a fixed list of upstreams; it cannot stop ${instance.address}`));
  }

  list(app?: string): Promise<Instance[]> {
    return Promise.resolve(this.#instances.filter((instance) => app === undefined || instance.app === app));
  }

  inspect(instance: Instance): Promise<InstanceStatus> {
    const configured = this.#instances.some((candidate) => candidate.id === instance.id);
    return Promise.resolve(configured ? { alive: true } : { alive: false, reason: 'not in the configured upstreams' });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The `static` plugin's factory. */
export const createStaticProvider: ProviderFactory = (context) => new StaticProvider(context);
