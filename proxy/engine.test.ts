import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineUnavailableError, chooseEngine, loadUws } from './engine.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('chooseEngine', () => {
  it('runs node:http when asked', () => {
    expect(chooseEngine('node')).toEqual({ engine: 'node', reason: 'proxy.engine is node' });
  });

  it('picks the native uWS build on auto (Node 20 here) and the module passes the native check', () => {
    const choice = chooseEngine('auto');
    expect(choice.engine).toBe('uws');
    expect(choice.reason).toContain('native');
    const loaded = loadUws();
    expect('uws' in loaded && typeof loaded.uws.getParts).toBe('function');
  });

  it('falls back to node on auto, with the reason, when uWS cannot run natively', () => {
    vi.stubEnv('UWS_USE_FALLBACK', '1');
    const choice = chooseEngine('auto');
    expect(choice).toEqual({ engine: 'node', reason: 'auto: UWS_USE_FALLBACK is set' });
  });

  it('refuses proxy.engine: uws without the native build', () => {
    vi.stubEnv('UWS_USE_FALLBACK', '1');
    expect(() => chooseEngine('uws')).toThrow(EngineUnavailableError);
  });
});
