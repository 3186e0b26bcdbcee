/** One thing wrong with a config file, located by key path and, when known, line and column. */
export interface ConfigProblem {
  /** Key path as the user wrote it: `apps[0].backend.plugin`; empty for the whole file. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type KeyPath = readonly (string | number)[];

/** `['apps', 0, 'backend']` → `apps[0].backend`. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  return text;
}
