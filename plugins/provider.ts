/**
 * The BackendProvider contract (design.md §7): how the reconciler starts, stops, lists and inspects an
 * app's backend instances on some engine (Docker, local processes, fixed upstreams, a third-party
 * module). Providers never touch the store: the reconciler owns ContainerRecords and `router:<app>`.
 * The engine's own metadata (Docker labels, a process table) is the source of truth that `list()`
 * reads back, so a restarted reconciler can adopt what runs without duplicates or orphans.
 */
import type { AppConfig } from '../config/resolve.js';
import type { PortAllocator } from './port-allocator.js';

/** What the reconciler asks a provider to run: one more instance of `app`. */
export interface InstanceSpec {
  app: string;
  /** Unique per instance and stable for its life; also given to the instance as INSTANCE_ID. */
  instanceId: string;
  /** The app's resolved config (its `backend` block holds the plugin-specific settings). */
  config: AppConfig;
}

/** A running (or starting) backend instance, as the provider reports it. */
export interface Instance {
  /** Provider-unique id (a container id, `process:<pid>`, `static:<app>:<address>`). */
  id: string;
  app: string;
  /** The INSTANCE_ID it was started with; recovered from the engine's metadata by list(). */
  instanceId: string;
  /** `host:port` the proxy forwards to; always a loopback address for local engines. */
  address: string;
  /** Epoch ms. */
  startedAt: number;
  /** Engine metadata worth showing (image, pid, labels). */
  labels: Record<string, string>;
}

export interface InstanceStatus {
  /** The engine says it runs (a container in state running, a live pid). Readiness is the reconciler's probe. */
  alive: boolean;
  exitCode?: number;
  /** Human-readable reason when not alive (OOMKilled, exited, ...). */
  reason?: string;
}

/** Something happened to an instance outside the reconciler's own calls (a crash, a `docker kill`). */
export interface ProviderEvent {
  type: 'started' | 'died';
  instanceId: string;
  /** Provider id of the instance. */
  id: string;
  app: string;
  exitCode?: number;
  at: number;
}

export interface StartOptions {
  /** Aborts a start that takes too long; the provider cleans up what it created. */
  signal?: AbortSignal;
}

export interface StopOptions {
  /** Time between SIGTERM (or the engine's polite stop) and a forced kill, ms. */
  graceMs: number;
}

export interface BackendProvider {
  /** The plugin name (`docker`, `process`, `static`, or the module path). */
  readonly name: string;
  /** Whether the reconciler may start and stop instances; false for `static` (fixed upstreams, never scaled). */
  readonly scalable: boolean;
  /** Starts an instance; resolves when the engine reports it running (not yet ready: the reconciler probes). */
  start(spec: InstanceSpec, options?: StartOptions): Promise<Instance>;
  /** Stops and removes an instance; stopping one that is already gone succeeds. */
  stop(instance: Instance, options: StopOptions): Promise<void>;
  /** Every instance this provider manages (optionally for one app), from the engine's own metadata. */
  list(app?: string): Promise<Instance[]>;
  inspect(instance: Instance): Promise<InstanceStatus>;
  /**
   * Engine events, when the engine has a stream (Docker `die`); ends when `signal` aborts, and never
   * throws for a transient engine failure (it reconnects). A new subscription first reports the
   * instances that are already dead, so a death racing the subscription is not lost.
   */
  events?(signal: AbortSignal): AsyncIterable<ProviderEvent>;
  /** Releases engine connections and timers; does not stop instances. */
  close(): Promise<void>;
}

/** What a plugin module exports: `export default function create(context): BackendProvider`. */
export interface ProviderContext {
  /** The apps that use this plugin, resolved. */
  apps: readonly AppConfig[];
  /** `cluster.starting_port`: first port handed to host-network instances. */
  startingPort: number;
  /** Directory for per-instance logs and state (inside the store's data_dir). */
  stateDir: string;
  /**
   * One allocator for every provider that hands out host ports (process, docker), so two plugins in
   * one Vortex never pick the same port; a provider makes its own from startingPort when absent.
   */
  ports?: PortAllocator;
  logger: { info(fields: Record<string, unknown>, message: string): void; warn(fields: Record<string, unknown>, message: string): void };
}

export type ProviderFactory = (context: ProviderContext) => BackendProvider | Promise<BackendProvider>;
