/**
 * Loads vortex.yaml: read → parse YAML (keeping node positions) → expand `${VAR}` → validate with zod
 * → cross-field checks → fill app settings from `cluster` → freeze. Every problem found is reported
 * at once, each with its key path and line, in a single ConfigError; nothing half-valid is returned.
 */
import { readFile } from 'node:fs/promises';
import type { Document } from 'yaml';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parse as parseYaml, parseDocument, visit } from 'yaml';
import { crossCheck } from './cross-checks.js';
import { describeIssue } from './describe-issue.js';
import { expandEnv, hasReference } from './env-expand.js';
import { ConfigError } from './errors.js';
import type { ConfigProblem, KeyPath } from './problem.js';
import { formatKeyPath } from './problem.js';
import type { VortexConfig } from './resolve.js';
import { resolveConfig } from './resolve.js';
import { configSchema } from './schema.js';

export interface LoadOptions {
  /** Variables for `${VAR}`; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Reads and validates a config file; throws ConfigError naming the file, keys and lines. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<VortexConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError('VX_CONFIG_UNREADABLE', file, [{ path: '', message: `cannot read the config: ${reason}` }], { cause: error });
  }
  return parseConfig(text, file, options);
}

/** Validates config text; `file` is only used in messages. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): VortexConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error): ConfigProblem => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { path: '', message: `invalid YAML: ${firstLine(error.message)}`, line, column: col };
    });
    throw new ConfigError('VX_CONFIG_SYNTAX', file, problems);
  }

  const locate = (path: KeyPath, isKey = false) => locateNode(doc, lineCounter, path, isKey);
  const envProblems = expandReferences(doc, options.env ?? process.env, locate);
  if (envProblems.length > 0) throw new ConfigError('VX_CONFIG_INVALID', file, envProblems);

  const data: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues
      .flatMap((issue) => describeIssue(issue, data))
      .map(({ path, message, isKey }) => ({ path: formatKeyPath(path), message, ...locate(path, isKey) }));
    throw new ConfigError('VX_CONFIG_INVALID', file, problems);
  }

  const crossProblems = crossCheck(result.data).map(({ path, message }) => ({ path: formatKeyPath(path), message, ...locate(path) }));
  if (crossProblems.length > 0) throw new ConfigError('VX_CONFIG_INVALID', file, crossProblems);

  return resolveConfig(result.data, file);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

type Locate = (path: KeyPath, isKey?: boolean) => { line?: number; column?: number };

/** Expands `${VAR}` in string values in place. An unquoted value is re-typed, so `replicas: ${N}` is a number. */
function expandReferences(doc: Document, env: Readonly<Record<string, string | undefined>>, locate: Locate): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !hasReference(node.value)) return;
      const path = keyPathOf(ancestors, node);
      const expanded = expandEnv(node.value, env);
      if (!expanded.ok) {
        problems.push({ path: formatKeyPath(path), message: `environment variable ${expanded.missing} is not set (use \${${expanded.missing}:-default} for a fallback)`, ...locate(path) });
        return;
      }
      node.value = node.type === 'PLAIN' ? retype(expanded.value) : expanded.value;
    },
  });
  return problems;
}

/** What an unquoted YAML scalar with this text would have been: a number, boolean or null, else the string. */
function retype(text: string): unknown {
  try {
    const value: unknown = parseYaml(text);
    return value === null || ['number', 'boolean'].includes(typeof value) ? value : text;
  } catch {
    return text;
  }
}

function keyPathOf(ancestors: readonly unknown[], node: unknown): KeyPath {
  const path: (string | number)[] = [];
  const chain = [...ancestors, node];
  chain.forEach((ancestor, index) => {
    if (isPair(ancestor) && isScalar(ancestor.key)) path.push(String(ancestor.key.value));
    else if (isSeq(ancestor)) path.push(ancestor.items.indexOf(chain[index + 1]));
  });
  return path;
}

/** Line and column of the node at `path` (of its key when `isKey`), or of the nearest ancestor present. */
function locateNode(doc: Document, lineCounter: LineCounter, path: KeyPath, isKey: boolean): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    let offset: number | undefined;
    if (isKey && depth === path.length && depth > 0) {
      const parent = doc.getIn(prefix.slice(0, -1), true);
      const pair = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && item.key.value === prefix[prefix.length - 1]) : undefined;
      offset = isNode(pair?.key) ? pair.key.range?.[0] : undefined;
    } else {
      const found: unknown = depth === 0 ? doc.contents : doc.getIn(prefix, true);
      offset = isNode(found) ? found.range?.[0] : undefined;
    }
    if (offset !== undefined) {
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    }
  }
  return {};
}
