/**
 * The `docker` plugin: each instance is one container, created through dockerode. I/O only; what to
 * send and how to read it back is labels.ts. Every container carries the vortex.* labels, so `list()`
 * (any state: an exited managed container is listed until someone stops it) is the source of truth
 * after a restart. Ports: from the PortAllocator in both network modes (host: the PORT the process
 * listens on; bridge: the 127.0.0.1 port the container port is published on), recorded in the
 * `vortex.port` label and reserved again when a listing shows them.
 */
import Docker from 'dockerode';
import { ProviderError } from '../errors.js';
import { PortAllocator } from '../port-allocator.js';
import type { BackendProvider, Instance, InstanceSpec, InstanceStatus, ProviderContext, ProviderEvent, ProviderFactory, StartOptions, StopOptions } from '../provider.js';
import { RecentSet } from '../recent-set.js';
import { isNotFound, toProviderError } from './engine-errors.js';
import { followEngineEvents } from './event-stream.js';
import type { Backoff } from './event-stream.js';
import { pullImage } from './image-pull.js';
import { LABEL, MANAGED_FILTER, createOptions, dockerBackendOf, factsFromInspect, factsFromSummary, hostPortOf, instanceFromContainer, statusFromInspect } from './labels.js';
import { LifecycleTracker } from './lifecycle-tracker.js';
import type { ListedContainer } from './lifecycle-tracker.js';

/** Construction options; only `context` is required. */
export interface DockerProviderOptions {
  context: ProviderContext;
  /** The engine client. Default: `new Docker()` (DOCKER_HOST, else /var/run/docker.sock). */
  docker?: Docker;
  /** Host ports; shared with other providers when the context has one. Default: from context.startingPort. */
  ports?: PortAllocator;
  /** Event stream reconnect delays. Default 200 ms doubling to 5 s. */
  reconnect?: Backoff;
}

const DEFAULT_RECONNECT: Backoff = { initialMs: 200, maxMs: 5_000 };

/** BackendProvider over a Docker engine. */
export class DockerProvider implements BackendProvider {
  readonly name = 'docker';
  readonly scalable = true;
  readonly #docker: Docker;
  readonly #ports: PortAllocator;
  readonly #context: ProviderContext;
  readonly #reconnect: Backoff;
  /** Containers this object stopped: their `die` is not reported as an event. */
  readonly #stopped = new RecentSet();
  /** Aborted by close(): ends every events() iterator. */
  readonly #closed = new AbortController();

  constructor(options: DockerProviderOptions) {
    this.#context = options.context;
    this.#docker = options.docker ?? new Docker();
    this.#ports = options.ports ?? options.context.ports ?? new PortAllocator(options.context.startingPort);
    this.#reconnect = options.reconnect ?? DEFAULT_RECONNECT;
  }

  async start(spec: InstanceSpec, options: StartOptions = {}): Promise<Instance> {
    const backend = dockerBackendOf(spec);
    const what = `start ${spec.app}/${spec.instanceId}`;
    options.signal?.throwIfAborted();
    const hostPort = await this.#ports.allocate();
    let container: Docker.Container | undefined;
    try {
      container = await this.#create(createOptions(spec, backend, hostPort), backend.image, backend.pull === 'if-missing', what);
      options.signal?.throwIfAborted();
      await container.start().catch((err: unknown) => {
        throw toProviderError(err, what, 'VX_PROVIDER_START_FAILED');
      });
      const info = await container.inspect().catch((err: unknown) => {
        throw toProviderError(err, `inspect ${spec.app}/${spec.instanceId}`, 'VX_PROVIDER_START_FAILED');
      });
      options.signal?.throwIfAborted();
      const status = statusFromInspect(info.State);
      if (!status.alive) {
        throw new ProviderError('VX_PROVIDER_START_FAILED', `docker: ${spec.app}/${spec.instanceId} stopped right after starting (${status.reason ?? 'unknown'}, exit code ${status.exitCode ?? '?'})`);
      }
      const instance = instanceFromContainer(factsFromInspect(info));
      if (instance === undefined) throw new ProviderError('VX_PROVIDER_START_FAILED', `docker: ${container.id} lost its vortex labels`);
      this.#context.logger.info({ app: spec.app, instanceId: spec.instanceId, id: instance.id, address: instance.address }, 'docker: instance started');
      return instance;
    } catch (err) {
      // Leave nothing behind: a half-made container would be listed and adopted later.
      if (container !== undefined) await container.remove({ force: true, v: true }).catch(() => undefined);
      this.#ports.release(hostPort);
      throw err;
    }
  }

  async stop(instance: Instance, options: StopOptions): Promise<void> {
    const container = this.#docker.getContainer(instance.id);
    const what = `stop ${instance.app}/${instance.instanceId}`;
    this.#stopped.add(instance.id);
    try {
      // t is whole seconds: SIGTERM (or the image's StopSignal), then SIGKILL after t.
      await container.stop({ t: Math.ceil(options.graceMs / 1000) });
    } catch (err) {
      // 304: already stopped; 404: already gone. Both are fine: stop is idempotent.
      const status = (err as { statusCode?: unknown }).statusCode;
      if (status !== 304 && status !== 404) throw toProviderError(err, what, 'VX_PROVIDER_STOP_FAILED');
    }
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      const status = (err as { statusCode?: unknown }).statusCode;
      // 409 "removal already in progress": another stop got there first; it will finish.
      if (status !== 404 && status !== 409) throw toProviderError(err, `remove ${instance.app}/${instance.instanceId}`, 'VX_PROVIDER_STOP_FAILED');
    }
    const port = hostPortOf(instance);
    if (port !== undefined) this.#ports.release(port);
  }

  async list(app?: string): Promise<Instance[]> {
    return (await this.#listContainers(app)).map(({ instance }) => instance);
  }

  async inspect(instance: Instance): Promise<InstanceStatus> {
    try {
      return statusFromInspect((await this.#docker.getContainer(instance.id).inspect()).State);
    } catch (err) {
      if (isNotFound(err)) return { alive: false, reason: 'container gone' };
      throw toProviderError(err, `inspect ${instance.app}/${instance.instanceId}`, 'VX_PROVIDER_ENGINE_ERROR');
    }
  }

  events(signal: AbortSignal): AsyncIterable<ProviderEvent> {
    return followEngineEvents({
      docker: this.#docker,
      list: () => this.#listContainers(),
      tracker: new LifecycleTracker((id) => this.#stopped.has(id)),
      signal: AbortSignal.any([signal, this.#closed.signal]),
      backoff: this.#reconnect,
      logger: this.#context.logger,
    });
  }

  close(): Promise<void> {
    this.#closed.abort();
    return Promise.resolve();
  }

  /** Managed containers with their running state; their host ports are reserved so they are not handed out twice. */
  async #listContainers(app?: string): Promise<ListedContainer[]> {
    const label = app === undefined ? [MANAGED_FILTER] : [MANAGED_FILTER, `${LABEL.app}=${app}`];
    let summaries: Docker.ContainerInfo[];
    try {
      summaries = await this.#docker.listContainers({ all: true, filters: { label } });
    } catch (err) {
      throw toProviderError(err, 'list containers', 'VX_PROVIDER_ENGINE_ERROR');
    }
    const listed: ListedContainer[] = [];
    for (const summary of summaries) {
      const instance = instanceFromContainer(factsFromSummary(summary));
      if (instance === undefined) continue;
      const port = hostPortOf(instance);
      if (port !== undefined) this.#ports.reserve(port);
      listed.push({ instance, running: summary.State === 'running' });
    }
    return listed;
  }

  /** createContainer; a missing image is pulled first when allowed, else VX_PROVIDER_IMAGE_MISSING naming it. */
  async #create(body: Docker.ContainerCreateOptions, image: string, mayPull: boolean, what: string): Promise<Docker.Container> {
    try {
      return await this.#docker.createContainer(body);
    } catch (err) {
      if (!isNotFound(err)) throw toProviderError(err, what, 'VX_PROVIDER_START_FAILED');
      if (!mayPull) {
        throw new ProviderError('VX_PROVIDER_IMAGE_MISSING', `docker: image ${image} is not on this engine (backend.pull is never; build or load it first)`, { cause: err });
      }
    }
    this.#context.logger.info({ image }, 'docker: pulling missing image (backend.pull: if-missing)');
    await pullImage(this.#docker, image);
    try {
      return await this.#docker.createContainer(body);
    } catch (err) {
      throw toProviderError(err, what, 'VX_PROVIDER_START_FAILED');
    }
  }
}

/** The `docker` plugin's factory. */
export const createDockerProvider: ProviderFactory = (context) => new DockerProvider({ context });
