/**
 * `${VAR}` expansion in vortex.yaml strings. `${VAR:-fallback}` uses the fallback when VAR is unset or
 * empty; `$${` writes a literal `${`. An unset variable without a fallback is an error, not an empty
 * string: a missing secret must not silently become "no token".
 */

export type ExpandResult = { ok: true; value: string } | { ok: false; missing: string };

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function hasReference(text: string): boolean {
  return text.includes('${');
}

export function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>): ExpandResult {
  let missing: string | undefined;
  const value = text.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return '${';
    const found = env[name!];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    missing ??= name;
    return '';
  });
  return missing === undefined ? { ok: true, value } : { ok: false, missing };
}
