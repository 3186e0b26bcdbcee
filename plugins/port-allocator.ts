/**
 * Ports for host-network instances (docker `network: host`, `process`): from `cluster.starting_port`
 * up, skipping ports this allocator handed out and ports something else already listens on
 * (checked by binding 127.0.0.1:port for a moment). Instances adopted after a restart are `reserve`d
 * so their ports are not handed out twice.
 */
import { createServer } from 'node:net';
import { ProviderError } from './errors.js';

const HIGHEST_PORT = 65_535;

export class PortAllocator {
  readonly #taken = new Set<number>();
  #next: number;

  constructor(
    private readonly startingPort: number,
    private readonly isFree: (port: number) => Promise<boolean> = canBind,
  ) {
    if (!Number.isInteger(startingPort) || startingPort < 1 || startingPort > HIGHEST_PORT) {
      throw new RangeError(`startingPort must be 1..${HIGHEST_PORT} (got ${startingPort})`);
    }
    this.#next = startingPort;
  }

  /** The lowest free port at or above startingPort; it stays taken until released. */
  async allocate(): Promise<number> {
    // Scan from where the last search ended, wrapping once: ports freed below are found on the wrap.
    const span = HIGHEST_PORT - this.startingPort + 1;
    for (let tried = 0; tried < span; tried++) {
      const port = this.#next;
      this.#next = port >= HIGHEST_PORT ? this.startingPort : port + 1;
      if (this.#taken.has(port)) continue;
      this.#taken.add(port);
      if (await this.isFree(port)) return port;
      this.#taken.delete(port);
    }
    throw new ProviderError('VX_PROVIDER_NO_PORT', `no free port at or above ${this.startingPort} (cluster.starting_port)`);
  }

  /** Marks a port in use by an adopted instance. */
  reserve(port: number): void {
    this.#taken.add(port);
  }

  release(port: number): void {
    this.#taken.delete(port);
    if (port < this.#next) this.#next = Math.max(this.startingPort, port);
  }

  get inUse(): number {
    return this.#taken.size;
  }
}

/** True when nothing listens on 127.0.0.1:port (a bind succeeds). */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
