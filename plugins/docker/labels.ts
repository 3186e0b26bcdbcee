/**
 * Pure translation between Vortex and Docker (Traefik's split: docker-provider.ts does the I/O, this
 * file only maps values). An instance's identity lives in its container labels, so `list()` after a
 * restart recovers exactly what `start()` created:
 *
 *   vortex.managed=true          only containers with this label are ever listed, stopped or watched
 *   vortex.app=<app>             the app name (DNS-label characters, as config/schema.ts allows)
 *   vortex.instance=<id>         the INSTANCE_ID it was started with
 *   vortex.port=<host port>      where the proxy reaches it on 127.0.0.1 (host network: PORT; bridge: the published port)
 *   vortex.network=host|bridge
 *
 * User labels from `backend.labels` are added, but can never override the vortex.* ones.
 */
import type Docker from 'dockerode';
import { DEFAULTS } from '../../config/defaults.js';
import type { DockerBackend } from '../../config/schema.js';
import { ProviderError } from '../errors.js';
import { checkInstanceId } from '../instance-id.js';
import type { Instance, InstanceSpec, InstanceStatus } from '../provider.js';

/** The label keys Vortex owns on its containers. */
export const LABEL = {
  managed: 'vortex.managed',
  app: 'vortex.app',
  instance: 'vortex.instance',
  port: 'vortex.port',
  network: 'vortex.network',
} as const;

/** The `label` filter that selects every container Vortex manages. */
export const MANAGED_FILTER = `${LABEL.managed}=true`;

/** `vortex-<app>-<instanceId>`: unique per instance, readable in `docker ps`. */
export function containerName(app: string, instanceId: string): string {
  return `vortex-${app}-${instanceId}`;
}

/** The docker block of a spec, or VX_PROVIDER_INVALID_SPEC when the app is not a docker app or its id cannot name a container. */
export function dockerBackendOf(spec: InstanceSpec): DockerBackend {
  const backend = spec.config.backend;
  if (backend.plugin !== 'docker') {
    throw new ProviderError('VX_PROVIDER_INVALID_SPEC', `app ${spec.app}: backend.plugin is ${backend.plugin}, not docker`);
  }
  checkInstanceId(spec);
  return backend;
}

/** The port the process inside the container listens on: the host port on the host network, `port` on a bridge. */
export function containerPort(backend: DockerBackend, hostPort: number): number {
  return backend.network === 'host' ? hostPort : (backend.port ?? DEFAULTS.backend.docker.port);
}

/**
 * The createContainer body for one instance. `hostPort` is where the proxy will reach it: on the host
 * network the process itself listens there; on a bridge, `containerPort` is published there on
 * 127.0.0.1 only, so nothing outside this machine can reach a backend around the proxy.
 */
export function createOptions(spec: InstanceSpec, backend: DockerBackend, hostPort: number): Docker.ContainerCreateOptions {
  const port = containerPort(backend, hostPort);
  const env = { ...backend.env, PORT: String(port), INSTANCE_ID: spec.instanceId };
  const hostConfig: Docker.HostConfig = { NetworkMode: backend.network };
  if (backend.memory !== undefined) hostConfig.Memory = backend.memory;
  // NanoCpus: CPU quota in units of 1e-9 CPUs (cpus: 0.5 → 500_000_000).
  if (backend.cpus !== undefined) hostConfig.NanoCpus = Math.round(backend.cpus * 1e9);
  const options: Docker.ContainerCreateOptions = {
    name: containerName(spec.app, spec.instanceId),
    Image: backend.image,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: {
      ...backend.labels,
      [LABEL.managed]: 'true',
      [LABEL.app]: spec.app,
      [LABEL.instance]: spec.instanceId,
      [LABEL.port]: String(hostPort),
      [LABEL.network]: backend.network,
    },
    // The engine's own stop (`docker stop` by hand, engine shutdown) gets the same grace as ours; whole seconds.
    StopTimeout: Math.ceil(backend.stop_timeout / 1000),
    HostConfig: hostConfig,
  };
  if (backend.command !== undefined) options.Cmd = [...backend.command];
  if (backend.network === 'bridge') {
    const key = `${port}/tcp`;
    options.ExposedPorts = { [key]: {} };
    hostConfig.PortBindings = { [key]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] };
  }
  return options;
}

/** The part of a container Vortex reads back: a `listContainers` item or an `inspect` result, narrowed. */
export interface ContainerFacts {
  id: string;
  labels: Record<string, string>;
  image: string;
  name: string;
  /** Epoch ms. */
  startedAt: number;
}

/** The Instance a managed container stands for, or undefined when its labels are not Vortex's (or incomplete). */
export function instanceFromContainer(facts: ContainerFacts): Instance | undefined {
  const { labels } = facts;
  const app = labels[LABEL.app];
  const instanceId = labels[LABEL.instance];
  const port = Number(labels[LABEL.port]);
  if (labels[LABEL.managed] !== 'true' || !app || !instanceId || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return {
    id: facts.id,
    app,
    instanceId,
    address: `127.0.0.1:${port}`,
    startedAt: facts.startedAt,
    labels: { ...labels, image: facts.image, name: facts.name },
  };
}

/** Narrows a `listContainers` item; its `Created` is whole seconds, so startedAt is too. */
export function factsFromSummary(info: Docker.ContainerInfo): ContainerFacts {
  return {
    id: info.Id,
    labels: info.Labels,
    image: info.Image,
    name: (info.Names[0] ?? '').replace(/^\//, ''),
    startedAt: info.Created * 1000,
  };
}

/** Narrows an `inspect` result; startedAt is when the process started (ms precision). */
export function factsFromInspect(info: Docker.ContainerInspectInfo): ContainerFacts {
  const started = Date.parse(info.State.StartedAt);
  return {
    id: info.Id,
    labels: info.Config.Labels,
    image: info.Config.Image,
    name: info.Name.replace(/^\//, ''),
    startedAt: Number.isFinite(started) ? started : Date.parse(info.Created),
  };
}

/** The host port of a Vortex instance, from its address (`127.0.0.1:<port>`). */
export function hostPortOf(instance: Instance): number | undefined {
  const port = Number(instance.address.slice(instance.address.lastIndexOf(':') + 1));
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** Alive means running and not paused; otherwise the reason a person would want to read. */
export function statusFromInspect(state: Docker.ContainerInspectInfo['State']): InstanceStatus {
  if (state.Running && !state.Paused && !state.Restarting) return { alive: true };
  if (state.Paused) return { alive: false, reason: 'paused' };
  if (state.Restarting) return { alive: false, reason: 'restarting' };
  const reason = state.OOMKilled ? 'OOMKilled' : state.Error ? `${state.Status}: ${state.Error}` : state.Status;
  return state.Status === 'created' ? { alive: false, reason } : { alive: false, exitCode: state.ExitCode, reason };
}
