/**
 * `proxy.engine: auto | uws | node`. The uWS fork ships native builds for Node 16/18/20 only and,
 * when the binary does not load, silently returns a node:http shim whose streaming calls throw "Not
 * implemented". So "loaded" means the native exports are there (`getParts` exists only natively).
 */
import { createRequire } from 'node:module';
import type * as Uws from 'uWebSockets.js';
import type { EngineName } from './ingress/ingress.js';

/** The uWebSockets.js module type. */
export type UwsModule = typeof Uws;

/** The engine picked, why (for the startup log), and the uWS module when that is the engine. */
export type EngineChoice = { engine: 'uws'; reason: string; uws: UwsModule } | { engine: 'node'; reason: string };

/** The requested engine cannot run. */
export class EngineUnavailableError extends Error {
  readonly code = 'VX_PROXY_ENGINE_UNAVAILABLE';
}

/** Loads uWS and checks it is the native build; returns the module or why not. */
export function loadUws(): { uws: UwsModule } | { reason: string } {
  if (process.env['UWS_USE_FALLBACK'] !== undefined) return { reason: 'UWS_USE_FALLBACK is set' };
  let uws: UwsModule;
  try {
    uws = createRequire(import.meta.url)('uWebSockets.js') as UwsModule;
  } catch (err) {
    return { reason: `uWebSockets.js did not load: ${(err as Error).message}` };
  }
  if (typeof (uws as { getParts?: unknown }).getParts !== 'function') {
    return { reason: `uWebSockets.js has no native build for Node ${process.versions.node} (ABI ${process.versions.modules}); it fell back to a JS shim` };
  }
  return { uws };
}

/** Resolves `proxy.engine` to an engine. Throws EngineUnavailableError for `uws` without its native build. */
export function chooseEngine(requested: 'auto' | EngineName): EngineChoice {
  if (requested === 'node') return { engine: 'node', reason: 'proxy.engine is node' };
  const loaded = loadUws();
  if ('uws' in loaded) {
    return { engine: 'uws', reason: requested === 'uws' ? 'proxy.engine is uws' : 'auto: the native uWebSockets.js build loaded', uws: loaded.uws };
  }
  if (requested === 'uws') throw new EngineUnavailableError(`proxy.engine is uws, but ${loaded.reason}`);
  return { engine: 'node', reason: `auto: ${loaded.reason}` };
}
