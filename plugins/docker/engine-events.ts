/**
 * Pure parsing of the engine's `/events` stream: newline-delimited JSON, where one chunk may hold
 * several lines or half of one. Only container `start`, `die` and `destroy` of Vortex-managed
 * containers matter; everything else is dropped here.
 */
import { LABEL } from './labels.js';

/** The longest line kept while waiting for its newline (engine events are ~1 KiB; labels can add some). */
export const MAX_EVENT_LINE_BYTES = 1024 * 1024;

/**
 * Cuts a byte stream into lines. A line longer than `maxLineBytes` is dropped whole (counted in
 * `dropped`) and splitting resumes after its newline, so one bad line cannot grow memory without bound.
 */
export class LineSplitter {
  #pending = '';
  #skipping = false;
  dropped = 0;

  constructor(private readonly maxLineBytes = MAX_EVENT_LINE_BYTES) {}

  /** The complete lines this chunk finishes, in order, without their newlines; blank lines are skipped. */
  push(chunk: Buffer | string): string[] {
    const parts = (this.#pending + chunk.toString()).split('\n');
    this.#pending = parts.pop() ?? '';
    const lines: string[] = [];
    for (const part of parts) {
      if (this.#skipping) {
        this.#skipping = false; // this part is the tail of the oversized line
        continue;
      }
      if (part.trim() !== '') lines.push(part);
    }
    if (this.#pending.length > this.maxLineBytes) {
      this.#pending = '';
      this.#skipping = true;
      this.dropped++;
    }
    return lines;
  }
}

/** A container lifecycle event of a managed container. */
export interface EngineEvent {
  action: 'start' | 'die' | 'destroy';
  /** Container id. */
  id: string;
  app: string;
  instanceId: string;
  exitCode?: number;
  /** Engine time, epoch ms. */
  at: number;
}

const ACTIONS = new Set(['start', 'die', 'destroy']);

/** The event on one line, or undefined for anything that is not a managed container's start/die/destroy (or not JSON). */
export function parseEventLine(line: string): EngineEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const event = raw as { Type?: unknown; Action?: unknown; Actor?: { ID?: unknown; Attributes?: Record<string, unknown> }; time?: unknown; timeNano?: unknown };
  if (event.Type !== 'container' || typeof event.Action !== 'string' || !ACTIONS.has(event.Action)) return undefined;
  const attributes = event.Actor?.Attributes ?? {};
  const id = event.Actor?.ID;
  const app = attributes[LABEL.app];
  const instanceId = attributes[LABEL.instance];
  if (attributes[LABEL.managed] !== 'true' || typeof id !== 'string' || typeof app !== 'string' || typeof instanceId !== 'string') return undefined;
  const time = typeof event.time === 'number' ? event.time : 0;
  // timeNano exceeds 2^53, so JSON.parse rounds it; the error is far below a millisecond.
  const at = typeof event.timeNano === 'number' ? Math.floor(event.timeNano / 1e6) : time * 1000;
  const exitCode = Number(attributes.exitCode);
  return {
    action: event.Action as EngineEvent['action'],
    id,
    app,
    instanceId,
    ...(event.Action === 'die' && typeof attributes.exitCode === 'string' && Number.isInteger(exitCode) ? { exitCode } : {}),
    at,
  };
}
