import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// docs/errors.md and the source must name the same error codes (fastify's rule: a code nobody can
// look up is a bug, and so is a documented code that no longer exists).

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['cli', 'config', 'store', 'proxy', 'plugins', 'scaler'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const codesIn = (text: string) => new Set([...text.matchAll(/\bVX_[A-Z]+(?:_[A-Z]+)+\b/g)].map((m) => m[0]));

describe('error codes', () => {
  const inSource = new Set<string>();
  for (const dir of SOURCE_DIRS) for (const file of sourceFiles(join(ROOT, dir))) for (const code of readFileSync(file, 'utf8').matchAll(/'(VX_[A-Z_]+)'/g)) inSource.add(code[1]!);
  const documented = codesIn(readFileSync(join(ROOT, 'docs/errors.md'), 'utf8'));

  it('every code in the source is documented', () => {
    expect([...inSource].filter((code) => !documented.has(code)).sort()).toEqual([]);
  });

  it('every documented code exists in the source', () => {
    expect([...documented].filter((code) => !inSource.has(code)).sort()).toEqual([]);
  });
});
