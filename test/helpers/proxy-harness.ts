/**
 * Starts a proxy on 127.0.0.1:0 with a config built from a small override object, plus raw HTTP
 * helpers for what fetch cannot do (smuggling attempts, slow clients, exact bytes on the wire).
 * Everything started is closed when the test finishes.
 */
import net from 'node:net';
import { onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../config/load.js';
import type { VortexConfig } from '../../config/resolve.js';
import { startProxy } from '../../proxy/proxy-server.js';
import type { ProxyLogger, RunningProxy } from '../../proxy/proxy-server.js';
import type { Store } from '../../store/store.js';

/** One app of a test config. */
export interface TestApp {
  name: string;
  host?: string;
  path_prefix?: string;
  /** Static upstreams (`127.0.0.1:port`); omit for an app fed by `router:<app>` (docker plugin stand-in). */
  upstreams?: string[];
  min_replicas?: number;
  ratelimiter?: { ratelimit: number; ratewindow: string };
  drain_timeout?: string;
}

/** Builds a VortexConfig for `engine` with `apps` and extra top-level sections merged in. */
export function testConfig(
  engine: 'uws' | 'node',
  apps: TestApp[],
  extra: { proxy?: Record<string, unknown>; ratelimiter?: Record<string, unknown> } = {},
): VortexConfig {
  const doc = {
    proxy: { listen: '127.0.0.1:0', engine, shutdown_timeout: '5s', ...extra.proxy },
    admin: { listen: '127.0.0.1:0' },
    ...(extra.ratelimiter === undefined ? {} : { ratelimiter: extra.ratelimiter }),
    apps: apps.map((a) => ({
      name: a.name,
      match: { ...(a.host === undefined ? {} : { host: a.host }), path_prefix: a.path_prefix ?? '/' },
      min_replicas: a.min_replicas ?? (a.upstreams === undefined ? 0 : 1),
      ...(a.ratelimiter === undefined ? {} : { ratelimiter: a.ratelimiter }),
      ...(a.drain_timeout === undefined ? {} : { drain_timeout: a.drain_timeout }),
      backend: a.upstreams === undefined ? { plugin: 'docker', image: 'vortex-test/echo:latest' } : { plugin: 'static', upstreams: a.upstreams },
    })),
  };
  return parseConfig(stringify(doc), 'test.yaml', { env: {} });
}

/** Starts a proxy, destroyed when the test finishes. */
export async function testProxy(config: VortexConfig, store?: Store, logger?: ProxyLogger): Promise<RunningProxy> {
  const proxy = await startProxy({ config, ...(store === undefined ? {} : { store }), ...(logger === undefined ? {} : { logger }) });
  onTestFinished(() => proxy.destroy());
  return proxy;
}

/** What a raw exchange read back. */
export interface RawReply {
  /** Everything received, as latin1. */
  text: string;
  /** The server closed the connection (as opposed to our read timeout). */
  closed: boolean;
}

/**
 * Writes `data` on a fresh connection and reads until the server closes it, `until` matches what
 * was read, or `timeoutMs` passes.
 */
export function rawRequest(port: number, data: string | Buffer, options: { timeoutMs?: number; until?: (text: string) => boolean } = {}): Promise<RawReply> {
  const { timeoutMs = 3000, until } = options;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (until?.(text)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', (err) => {
      if (!settled && text === '') {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.write(data);
  });
}

/** The status code of the first response in a raw reply (0 when none). */
export function rawStatus(reply: RawReply): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(reply.text);
  return m === null ? 0 : Number(m[1]);
}

/** Header lines (lowercased names) of the first response head in a raw reply. */
export function rawHeaders(reply: RawReply): Array<[string, string]> {
  const end = reply.text.indexOf('\r\n\r\n');
  const lines = reply.text.slice(0, end < 0 ? undefined : end).split('\r\n').slice(1);
  return lines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
}

/**
 * Sends requests one after another on ONE connection, each after the previous reply matched its
 * `until` (uWS drops a connection that pipelines a request while a response is pending). Returns the
 * text read for each step.
 */
export function rawSequence(port: number, steps: Array<{ send: string; until: (text: string) => boolean }>, timeoutMs = 3000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const texts: string[] = [];
    let text = '';
    let step = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`rawSequence: step ${step} got ${JSON.stringify(text)} before the timeout`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (!steps[step]!.until(text)) return;
      texts.push(text);
      text = '';
      step++;
      if (step < steps.length) socket.write(steps[step]!.send);
      else {
        clearTimeout(timer);
        socket.destroy();
        resolve(texts);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (step < steps.length) reject(new Error(`rawSequence: closed at step ${step} after ${JSON.stringify(text)}`));
    });
    socket.on('error', () => undefined);
    socket.write(steps[0]!.send);
  });
}
