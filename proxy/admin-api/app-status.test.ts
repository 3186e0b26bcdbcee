import { describe, expect, it } from 'vitest';
import type { ScaleEventValue } from '../../store/records/scale-event.js';
import type { ClientMetricsValue } from '../../store/records/client-metrics.js';
import { appConfigOf, testApp } from '../../test/helpers/app-config.js';
import type { AppSnapshot } from './app-status.js';
import { ERROR_SCAN, currentError, pluginName, summarizeApp } from './app-status.js';

let seq = 0;
function event(kind: ScaleEventValue['kind'], extra: Partial<ScaleEventValue> = {}): ScaleEventValue {
  seq += 1;
  return { id: `hello:${String(seq).padStart(16, '0')}`, app: 'hello', kind, message: `${kind} ${seq}`, at: 1_000 + seq, ...extra };
}

function metrics(proxyId: string, values: Partial<ClientMetricsValue>): ClientMetricsValue {
  return { id: `hello:${proxyId}`, app: 'hello', proxyId, rps: 0, inflight: 0, p50Ms: 0, p99Ms: 0, errors: {}, rateLimited: 0, waiting: 0, windowMs: 1_000, at: 0, backends: {}, ...values };
}

const empty: AppSnapshot = { job: undefined, manual: undefined, containers: [], router: [], metrics: [], recentEvents: [] };

describe('currentError', () => {
  const missing = event('error', { code: 'VX_PROVIDER_IMAGE_MISSING', message: 'start failed: no image' });

  it.each<[string, ScaleEventValue[], ScaleEventValue | null]>([
    ['no events', [], null],
    ['the newest event is an error', [missing, event('scale')], missing],
    ['scale and drain events after an error do not clear it', [event('scale'), event('drain'), missing], missing],
    ['a start after the error clears it', [event('start'), missing], null],
    ['a ready after the error clears it', [event('ready'), missing], null],
    ['an adopt after the error clears it', [event('adopt'), missing], null],
    ['an error after a ready stands', [missing, event('ready')], missing],
    ['only the newest of several errors is shown', [missing, event('error')], missing],
  ])('%s', (_name, newestFirst, expected) => {
    expect(currentError(newestFirst)).toBe(expected);
  });

  it(`looks at the newest ${ERROR_SCAN} events only`, () => {
    const scales = Array.from({ length: ERROR_SCAN }, () => event('scale'));
    expect(currentError([...scales, missing])).toBeNull();
    expect(currentError([...scales.slice(1), missing])).toBe(missing);
  });
});

describe('summarizeApp', () => {
  it('counts instances by status, sums rps and in-flight over proxies and takes the highest p99', () => {
    const app = testApp('hello', { min_replicas: 1, max_replicas: 5 });
    const container = (id: string, status: 'Provisioning' | 'Running' | 'Draining' | 'Dead') => ({ id, app: 'hello', status, address: `127.0.0.1:${id}`, plugin: 'process', startedAt: 1 });
    const summary = summarizeApp(app, {
      ...empty,
      job: { app: 'hello', targetReplicas: 3, reason: 'rps 250.0 / 100 per replica → 3', issuedAt: 42, issuedBy: 'scaler-a' },
      manual: { app: 'hello', replicas: 3, setAt: 40 },
      containers: [container('1', 'Running'), container('2', 'Running'), container('3', 'Provisioning'), container('4', 'Draining'), container('5', 'Dead')],
      router: ['127.0.0.1:1', '127.0.0.1:2'],
      metrics: [metrics('a', { rps: 120.04, inflight: 3, p99Ms: 12.5 }), metrics('b', { rps: 130.02, inflight: 4, p99Ms: 30 })],
    });
    expect(summary).toEqual({
      name: 'hello',
      plugin: 'process',
      minReplicas: 1,
      maxReplicas: 5,
      desired: { replicas: 3, reason: 'rps 250.0 / 100 per replica → 3', issuedAt: 42, issuedBy: 'scaler-a' },
      manual: { app: 'hello', replicas: 3, setAt: 40 },
      ready: 2,
      provisioning: 1,
      draining: 1,
      dead: 1,
      backends: ['127.0.0.1:1', '127.0.0.1:2'],
      rps: 250.1,
      inflight: 7,
      p99Ms: 30,
      proxies: 2,
      error: null,
    });
  });

  it('shows nothing desired, no load and the standing error of an app nobody has scaled yet', () => {
    const missing = event('error', { code: 'VX_PROVIDER_IMAGE_MISSING' });
    const summary = summarizeApp(testApp('hello'), { ...empty, recentEvents: [missing] });
    expect(summary).toMatchObject({ desired: null, manual: null, ready: 0, backends: [], rps: 0, inflight: 0, p99Ms: 0, proxies: 0, error: missing });
  });

  it('names built-in plugins and third-party modules', () => {
    expect(pluginName(appConfigOf({ name: 'web', backend: { plugin: 'static', upstreams: ['127.0.0.1:9001'] } }))).toBe('static');
    expect(pluginName(appConfigOf({ name: 'web', backend: { plugin: './plugins/mine.js' } }))).toBe('./plugins/mine.js');
  });
});
