/** The `--store host:port[,host:port]` flag of `vortex proxy` and `vortex scaler`. */
import { parseHostPort } from '../config/listen-address.js';

/** `--store host:port[,host:port]` as a list, or undefined when absent; throws a usage message when malformed. */
export function storeEndpointsFlag(command: string, flag: string | undefined): string[] | undefined {
  const endpoints = flag?.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (endpoints !== undefined && (endpoints.length === 0 || endpoints.some((e) => parseHostPort(e) === undefined))) {
    throw new StoreFlagError(`${command}: --store ${JSON.stringify(flag)}: expected host:port[,host:port], e.g. 127.0.0.1:2379`);
  }
  return endpoints;
}

/** A malformed `--store` flag (a usage error: exit code 2). */
export class StoreFlagError extends Error {
  override readonly name = 'StoreFlagError';
}
