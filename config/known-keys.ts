/**
 * The keys the schema allows at a path, read from the zod schema itself so suggestions can never
 * drift from what is accepted.
 */
import type { KeyPath } from './problem.js';
import { BUILTIN_BACKENDS, configSchema } from './schema.js';

/** The parts of zod's internal definition this walk needs. */
interface SchemaNode {
  _zod: { def: { type: string; shape?: Record<string, SchemaNode>; element?: SchemaNode; innerType?: SchemaNode; in?: SchemaNode } };
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch']);

function unwrap(node: SchemaNode): SchemaNode {
  let current = node;
  for (;;) {
    const def = current._zod.def;
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** Keys allowed in the object at `path` of the raw document `data` (used for the backend's plugin-specific keys). */
export function knownKeysAt(path: KeyPath, data: unknown): string[] {
  let node: SchemaNode | undefined = configSchema;
  let value: unknown = data;
  for (const part of path) {
    const def: SchemaNode['_zod']['def'] = unwrap(node)._zod.def;
    node = typeof part === 'number' ? def.element : def.shape?.[part];
    value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[part] : undefined;
    if (node === undefined) return [];
  }
  if (path[path.length - 1] === 'backend') {
    const plugin = (value as { plugin?: unknown } | undefined)?.plugin;
    const builtin = typeof plugin === 'string' ? BUILTIN_BACKENDS[plugin as keyof typeof BUILTIN_BACKENDS] : undefined;
    if (builtin) return Object.keys(builtin.shape);
  }
  return Object.keys(unwrap(node)._zod.def.shape ?? {});
}
