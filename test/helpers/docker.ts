import Docker from 'dockerode';

/** The Docker engine as the integration tests see it: a client, and whether anything answered. */
export interface DockerEngine {
  /** Client for DOCKER_HOST, else the default socket. Built even when the engine is down; use it only in tests that run. */
  readonly docker: Docker;
  /** True when the engine answered `ping`. */
  readonly available: boolean;
  /** Why the Docker tests are skipped; undefined when `available`. */
  readonly skipReason: string | undefined;
}

/** Options for {@link dockerOrSkip}; the defaults are what test files want. */
export interface DockerOrSkipOptions {
  /** How long to wait for the ping, in milliseconds. Default 3000. */
  pingTimeoutMs?: number;
  /** Where the one skip line goes. Default `console.warn`. */
  warn?: (line: string) => void;
}

/**
 * Pings the engine at DOCKER_HOST (or /var/run/docker.sock). When it does not answer and
 * VORTEX_REQUIRE_DOCKER=1, throws, so the test file fails; otherwise prints one line saying why the
 * Docker tests are skipped and returns `available: false`. Use it with top-level await:
 *
 *     const engine = await dockerOrSkip();
 *     describe.skipIf(!engine.available)('...', () => { ... engine.docker ... });
 */
export async function dockerOrSkip(options: DockerOrSkipOptions = {}): Promise<DockerEngine> {
  const { pingTimeoutMs = 3000, warn = console.warn } = options;
  const endpoint = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const docker = new Docker();
  const problem = await pingProblem(docker, pingTimeoutMs);
  if (problem === undefined) return { docker, available: true, skipReason: undefined };

  const reason = `no engine at ${endpoint} (${problem})`;
  if (process.env.VORTEX_REQUIRE_DOCKER === '1') {
    throw new Error(`[docker] VORTEX_REQUIRE_DOCKER=1 but there is ${reason}`);
  }
  warn(`[docker] skipping Docker tests: ${reason} (set VORTEX_REQUIRE_DOCKER=1 to fail instead)`);
  return { docker, available: false, skipReason: reason };
}

/** Undefined when the engine answered, else a short description of what went wrong. */
async function pingProblem(docker: Docker, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer to ping within ${timeoutMs} ms`), timeoutMs);
  });
  const ping = docker.ping().then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The label marking one test file's containers (its value is a per-run id), so each file removes only its own. */
export const TEST_RUN_LABEL = 'vortex.test-run';

/** Force-removes every container, in any state, that carries all of `labels` (`key=value`). */
export async function removeContainers(docker: Docker, labels: string[]): Promise<void> {
  const found = await docker.listContainers({ all: true, filters: { label: labels } });
  await Promise.all(found.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}
