import { describe, expect, it } from 'vitest';
import { expandEnv } from './env-expand.js';

const env = { TOKEN: 's3cret', EMPTY: '', PORT: '9000' };

describe('expandEnv', () => {
  it.each([
    ['${TOKEN}', 's3cret'],
    ['Bearer ${TOKEN}!', 'Bearer s3cret!'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${PORT:-80}', '9000'],
    ['127.0.0.1:${PORT}', '127.0.0.1:9000'],
    ['$${TOKEN}', '${TOKEN}'],
    ['no references', 'no references'],
    ['$TOKEN stays', '$TOKEN stays'],
  ])('%j → %j', (text, value) => expect(expandEnv(text, env)).toEqual({ ok: true, value }));

  it('names the first unset variable', () => {
    expect(expandEnv('${A}${B}', {})).toEqual({ ok: false, missing: 'A' });
    expect(expandEnv('${EMPTY}', env)).toEqual({ ok: false, missing: 'EMPTY' });
  });
});
