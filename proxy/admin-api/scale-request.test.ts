import { describe, expect, it } from 'vitest';
import { appConfigOf, testApp } from '../../test/helpers/app-config.js';
import { checkScaleRequest } from './scale-request.js';

const hello = testApp('hello', { min_replicas: 2, max_replicas: 5 });
const USAGE = 'the body must be a JSON object like {"replicas": 3}, or {"replicas": null} to clear the override';

describe('checkScaleRequest', () => {
  it.each<[unknown, number | null]>([
    [{ replicas: 3 }, 3],
    [{ replicas: 5 }, 5],
    [{ replicas: 0 }, 0],
    [{ replicas: 1 }, 1],
    [{ replicas: null }, null],
  ])('accepts %j (below min_replicas too: the override is taken as is)', (body, replicas) => {
    expect(checkScaleRequest(hello, body)).toEqual({ ok: true, replicas });
  });

  it.each<[unknown, string]>([
    [undefined, USAGE],
    ['3', USAGE],
    [[3], USAGE],
    [{}, `"replicas" is missing: ${USAGE}`],
    [{ replica: 3 }, `unknown key "replica": ${USAGE}`],
    [{ replicas: -1 }, 'replicas: must be a whole number ≥ 0 (got -1)'],
    [{ replicas: 2.5 }, 'replicas: must be a whole number ≥ 0 (got 2.5)'],
    [{ replicas: '3' }, 'replicas: must be a whole number ≥ 0 (got "3")'],
    [{ replicas: 6 }, 'replicas: is 6, must be ≤ max_replicas (5) of app hello; raise max_replicas in vortex.yaml and reload to go higher'],
  ])('refuses %j', (body, message) => {
    expect(checkScaleRequest(hello, body)).toEqual({ ok: false, error: 'invalid_request', message });
  });

  it('refuses to scale a static app but lets its override be cleared', () => {
    const web = appConfigOf({ name: 'web', backend: { plugin: 'static', upstreams: ['127.0.0.1:9001'] } });
    expect(checkScaleRequest(web, { replicas: 1 })).toEqual({
      ok: false,
      error: 'not_scalable',
      message: 'app web uses the static plugin: its upstreams are fixed in vortex.yaml, it cannot scale',
    });
    expect(checkScaleRequest(web, { replicas: null })).toEqual({ ok: true, replicas: null });
  });
});
