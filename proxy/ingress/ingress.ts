/**
 * What the proxy server needs from an HTTP engine: listen, stop taking connections, close. Both
 * engines (uWebSockets.js, node:http) feed the same ForwardCore, so HTTP semantics live in one place.
 */

/** The engines the proxy can run on. */
export type EngineName = 'uws' | 'node';

/** A listening HTTP front end. */
export interface Ingress {
  readonly engine: EngineName;
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number>;
  /** Refuses new connections; open ones keep being served. */
  stopAccepting(): void;
  /** Closes every connection now, idle keep-alive ones included. */
  close(): void;
}
