/**
 * The `process` plugin: each instance is a local command with PORT (from the PortAllocator) and
 * INSTANCE_ID in its environment, started detached in its own process group so that it outlives a
 * Vortex restart and `stop` reaches its whole tree. stdout and stderr are appended to
 * `<stateDir>/logs/<app>/<instanceId>.log`; a state file per instance (state-file.ts) lets a new
 * provider object list and adopt what still runs. Linux only: liveness reads /proc/<pid>/stat.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ProcessBackend } from '../../config/schema.js';
import { ProviderError } from '../errors.js';
import type { ProviderErrorCode } from '../errors.js';
import { checkInstanceId } from '../instance-id.js';
import { PortAllocator } from '../port-allocator.js';
import type { BackendProvider, Instance, InstanceSpec, InstanceStatus, ProviderContext, ProviderEvent, ProviderFactory, StartOptions, StopOptions } from '../provider.js';
import { RecentSet } from '../recent-set.js';
import { readProcStat } from './proc-stat.js';
import { pidStatus, terminateGroup } from './process-group.js';
import { StateDir } from './state-file.js';
import type { ProcessState } from './state-file.js';

/** Construction options; only `context` is required. */
export interface ProcessProviderOptions {
  context: ProviderContext;
  /** Host ports; default: the context's shared allocator, else one from context.startingPort. */
  ports?: PortAllocator;
  /**
   * How often events() looks at instances this object did not start (adopted ones), ms. Default 250:
   * a death must leave the router within a second, and a look is one read of /proc/<pid>/stat each.
   */
  pollIntervalMs?: number;
}

/** `process:<pid>`: the provider id of an instance. */
function idOf(state: ProcessState): string {
  return `process:${state.pid}`;
}

/** app/instanceId: unique for an instance's whole life, unlike a pid. */
function keyOf(instance: { app: string; instanceId: string }): string {
  return `${instance.app}/${instance.instanceId}`;
}

function toInstance(state: ProcessState): Instance {
  return {
    id: idOf(state),
    app: state.app,
    instanceId: state.instanceId,
    address: `127.0.0.1:${state.port}`,
    startedAt: state.startedAt,
    labels: { pid: String(state.pid), port: String(state.port), command: state.command.join(' '), logFile: state.logFile },
  };
}

/** BackendProvider over local processes. */
export class ProcessProvider implements BackendProvider {
  readonly name = 'process';
  readonly scalable = true;
  readonly #context: ProviderContext;
  readonly #ports: PortAllocator;
  readonly #state: StateDir;
  readonly #pollIntervalMs: number;
  /** Exit codes of children this object started, by instance key, until they are stopped. */
  readonly #exitCodes = new Map<string, number>();
  /** Instances this object stopped: their exit is not reported as an event. */
  readonly #stopped = new RecentSet();
  readonly #closed = new AbortController();
  /** Resolved (and replaced) whenever a child exits, so events() looks at once instead of at its next poll. */
  #childExited = pulse();

  constructor(options: ProcessProviderOptions) {
    this.#context = options.context;
    this.#ports = options.ports ?? options.context.ports ?? new PortAllocator(options.context.startingPort);
    this.#state = new StateDir(options.context.stateDir);
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
  }

  async start(spec: InstanceSpec, options: StartOptions = {}): Promise<Instance> {
    const backend = processBackendOf(spec);
    options.signal?.throwIfAborted();
    if ((await this.#readState(spec, 'VX_PROVIDER_START_FAILED')) !== undefined) {
      // Starting over it would orphan the running one (and cleaning up after a failure would delete its state).
      throw new ProviderError('VX_PROVIDER_INVALID_SPEC', `process: instance id ${spec.app}/${spec.instanceId} is already in use; stop it first`);
    }
    this.#stopped.delete(keyOf(spec)); // a new life under an id used before: its death is news again
    const port = await this.#ports.allocate();
    let child: ChildProcess | undefined;
    try {
      const logFile = this.#state.logFile(spec.app, spec.instanceId);
      child = await this.#spawn(spec, backend, port, logFile);
      const pid = child.pid!;
      const stat = await readProcStat(pid);
      if (stat === undefined) throw new ProviderError('VX_PROVIDER_START_FAILED', `process: ${spec.app}/${spec.instanceId} exited right after starting; see ${logFile}`);
      const state: ProcessState = { version: 1, app: spec.app, instanceId: spec.instanceId, pid, port, startedAt: Date.now(), procStartTime: stat.startTime, command: backend.command, logFile };
      await this.#state.write(state);
      options.signal?.throwIfAborted();
      this.#context.logger.info({ app: spec.app, instanceId: spec.instanceId, pid, port }, 'process: instance started');
      return toInstance(state);
    } catch (err) {
      // Leave nothing behind: no process, no state file, no port held.
      if (child?.pid !== undefined) await terminateGroup(child.pid, 0);
      await this.#state.remove(spec.app, spec.instanceId);
      this.#ports.release(port);
      if (err instanceof ProviderError || options.signal?.aborted) throw err;
      throw new ProviderError('VX_PROVIDER_START_FAILED', `process: could not start ${spec.app}/${spec.instanceId}: ${(err as Error).message}`, { cause: err });
    }
  }

  async stop(instance: Instance, options: StopOptions): Promise<void> {
    const key = keyOf(instance);
    this.#stopped.add(key);
    const state = await this.#readState(instance, 'VX_PROVIDER_STOP_FAILED');
    if (state !== undefined) {
      const status = await pidStatus(state.pid, state.procStartTime);
      // A reused pid means our group is gone too (the kernel does not reuse a live group's id): never signal a stranger.
      if (status.reused !== true && !(await terminateGroup(state.pid, options.graceMs))) {
        throw new ProviderError('VX_PROVIDER_STOP_FAILED', `process: ${key} (pid ${state.pid}) survived SIGKILL`);
      }
      await this.#state.remove(instance.app, instance.instanceId);
      this.#ports.release(state.port);
    }
    this.#exitCodes.delete(key);
  }

  async list(app?: string): Promise<Instance[]> {
    let listed: Awaited<ReturnType<StateDir['list']>>;
    try {
      listed = await this.#state.list(app);
    } catch (err) {
      throw new ProviderError('VX_PROVIDER_ENGINE_ERROR', `process: could not list state files: ${(err as Error).message}`, { cause: err });
    }
    const { states, unreadable } = listed;
    for (const bad of unreadable) this.#context.logger.warn({ file: bad.file, reason: bad.reason }, 'process: ignoring an unreadable state file');
    for (const state of states) this.#ports.reserve(state.port);
    return states.map(toInstance);
  }

  async inspect(instance: Instance): Promise<InstanceStatus> {
    const state = await this.#readState(instance, 'VX_PROVIDER_ENGINE_ERROR');
    if (state === undefined) return { alive: false, reason: 'stopped' };
    const { reused: _reused, ...status } = await pidStatus(state.pid, state.procStartTime);
    const exitCode = this.#exitCodes.get(keyOf(instance));
    return status.alive || exitCode === undefined ? status : { ...status, exitCode };
  }

  /**
   * `died` for every instance found dead, once per subscription: at once for children this object
   * started (their exit wakes the loop), within pollIntervalMs for adopted ones. Instances already
   * dead when the subscription starts are reported first.
   */
  async *events(signal: AbortSignal): AsyncGenerator<ProviderEvent> {
    const done = AbortSignal.any([signal, this.#closed.signal]);
    const reported = new Set<string>();
    while (!done.aborted) {
      const wake = this.#childExited.promise;
      let states: ProcessState[] = [];
      try {
        states = (await this.#state.list()).states;
      } catch (err) {
        this.#context.logger.warn({ error: (err as Error).message }, 'process: could not read state files; retrying');
      }
      const present = new Set<string>();
      for (const state of states) {
        const key = keyOf(state);
        present.add(key);
        if (reported.has(key) || this.#stopped.has(key)) continue;
        if ((await pidStatus(state.pid, state.procStartTime)).alive) continue;
        reported.add(key);
        const exitCode = this.#exitCodes.get(key);
        yield { type: 'died', id: idOf(state), app: state.app, instanceId: state.instanceId, at: Date.now(), ...(exitCode === undefined ? {} : { exitCode }) };
      }
      for (const key of reported) if (!present.has(key)) reported.delete(key); // stopped: forget, so the set stays bounded
      await Promise.race([wake, delay(this.#pollIntervalMs, undefined, { signal: done }).catch(() => undefined)]);
    }
  }

  close(): Promise<void> {
    this.#closed.abort();
    return Promise.resolve();
  }

  /** The instance's state file; an unreadable one is a ProviderError with `code`. */
  async #readState(instance: { app: string; instanceId: string }, code: ProviderErrorCode): Promise<ProcessState | undefined> {
    try {
      return await this.#state.read(instance.app, instance.instanceId);
    } catch (err) {
      throw new ProviderError(code, `process: state of ${keyOf(instance)} is unreadable: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Spawns the command with its log file as stdout/stderr; resolves once the OS has started it. */
  async #spawn(spec: InstanceSpec, backend: ProcessBackend, port: number, logFile: string): Promise<ChildProcess> {
    await mkdir(dirname(logFile), { recursive: true });
    const log = await open(logFile, 'a');
    try {
      await log.write(`--- vortex: ${new Date().toISOString()} starting ${JSON.stringify(backend.command)} PORT=${port} INSTANCE_ID=${spec.instanceId}\n`);
      const [program, ...args] = backend.command as [string, ...string[]];
      const child = spawn(program, args, {
        cwd: resolve(backend.cwd ?? '.'),
        env: { ...process.env, ...backend.env, PORT: String(port), INSTANCE_ID: spec.instanceId },
        detached: true, // its own process group (and session): stop signals the tree, a Vortex exit leaves it running
        stdio: ['ignore', log.fd, log.fd],
      });
      await new Promise<void>((resolveSpawn, rejectSpawn) => {
        child.once('spawn', resolveSpawn);
        child.once('error', (err) => rejectSpawn(new ProviderError('VX_PROVIDER_START_FAILED', `process: could not run ${program} for ${spec.app}/${spec.instanceId}: ${err.message}`, { cause: err })));
      });
      const key = keyOf(spec);
      child.once('exit', (code, exitSignal) => {
        // Shell convention for a signal death: 128 + the signal number (SIGKILL → 137).
        if (!this.#stopped.has(key)) this.#exitCodes.set(key, code ?? 128 + signalNumber(exitSignal));
        const woken = this.#childExited;
        this.#childExited = pulse();
        woken.resolve();
      });
      child.unref(); // a running instance must not keep Vortex's event loop alive
      return child;
    } finally {
      await log.close(); // the child holds its own copy of the descriptor
    }
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (constants.signals[signal] ?? 0);
}

/** A promise and its resolve function (Promise.withResolvers arrived after Node 20). */
function pulse(): { promise: Promise<void>; resolve: () => void } {
  let resolvePulse = (): void => undefined;
  const promise = new Promise<void>((resolveIt) => {
    resolvePulse = resolveIt;
  });
  return { promise, resolve: resolvePulse };
}

/** The process block of a spec, or VX_PROVIDER_INVALID_SPEC. */
function processBackendOf(spec: InstanceSpec): ProcessBackend {
  const backend = spec.config.backend;
  if (backend.plugin !== 'process') throw new ProviderError('VX_PROVIDER_INVALID_SPEC', `app ${spec.app}: backend.plugin is ${backend.plugin}, not process`);
  checkInstanceId(spec);
  return backend;
}

/** The `process` plugin's factory. */
export const createProcessProvider: ProviderFactory = (context) => new ProcessProvider({ context });
