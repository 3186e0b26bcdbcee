import { describe, expect, it } from 'vitest';
import type { AppSummary } from '../proxy/admin-api/api-types.js';
import { ERROR_WIDTH, ago, desiredCell, formatStatus } from './status-table.js';

const NOW = 1_700_000_000_000;

function app(name: string, values: Partial<AppSummary> = {}): AppSummary {
  return {
    name,
    plugin: 'process',
    minReplicas: 1,
    maxReplicas: 5,
    desired: null,
    manual: null,
    ready: 0,
    provisioning: 0,
    draining: 0,
    dead: 0,
    backends: [],
    rps: 0,
    inflight: 0,
    p99Ms: 0,
    proxies: 0,
    error: null,
    ...values,
  };
}

const desired = (replicas: number) => ({ replicas, reason: 'r', issuedAt: 0 });
const manual = (replicas: number) => ({ app: 'hello', replicas, setAt: 0 });

describe('formatStatus', () => {
  it('prints one aligned row per app', () => {
    const text = formatStatus(
      [
        app('hello', { desired: desired(3), ready: 2, provisioning: 1, rps: 250.06, backends: ['127.0.0.1:3001', '127.0.0.1:3002'] }),
        app('api-gateway', { desired: desired(1), ready: 1, draining: 1, rps: 0, backends: ['127.0.0.1:4001'] }),
      ],
      NOW,
    );
    expect(text.split('\n')).toEqual([
      'APP          DESIRED  READY          DRAINING  RPS    BACKENDS',
      'hello        3        2 +1 starting  0         250.1  127.0.0.1:3001,127.0.0.1:3002',
      'api-gateway  1        1              1         0.0    127.0.0.1:4001',
    ]);
  });

  it('counts backends past the first three and shows "-" for none', () => {
    const many = ['a:1', 'a:2', 'a:3', 'a:4', 'a:5'];
    const [, first, second] = formatStatus([app('hello', { backends: many }), app('idle')], NOW).split('\n');
    expect(first).toMatch(/ a:1,a:2,a:3 \+2 more$/);
    expect(second).toMatch(/^idle\s+-\s+0\s+0\s+0\.0\s+-$/);
  });

  it('adds a line for each app with a standing error, cut to the width', () => {
    const error = { id: 'api:1', app: 'api', kind: 'error' as const, message: 'start of api-x failed (VX_PROVIDER_IMAGE_MISSING): image vortex-test/none:latest is not on the engine', code: 'VX_PROVIDER_IMAGE_MISSING', at: NOW - 12_500 };
    const lines = formatStatus([app('hello'), app('api', { error })], NOW).split('\n');
    expect(lines.slice(3)).toEqual(['', `api: error VX_PROVIDER_IMAGE_MISSING, 12s ago: ${error.message}`]);
    const long = formatStatus([app('api', { error: { ...error, message: 'x'.repeat(500) } })], NOW).split('\n').at(-1)!;
    expect(long).toHaveLength(ERROR_WIDTH);
    expect(long.endsWith('…')).toBe(true);
  });

  it('says so when there are no apps', () => {
    expect(formatStatus([], NOW)).toBe('no apps configured');
  });
});

describe('desiredCell', () => {
  it.each<[Pick<AppSummary, 'desired' | 'manual'>, string]>([
    [{ desired: null, manual: null }, '-'],
    [{ desired: desired(4), manual: null }, '4'],
    [{ desired: desired(4), manual: manual(4) }, '4 (manual)'],
    [{ desired: desired(2), manual: manual(7) }, '2 (manual 7)'],
    [{ desired: null, manual: manual(0) }, '- (manual 0)'],
  ])('%j → %s', (input, cell) => {
    expect(desiredCell(input)).toBe(cell);
  });
});

describe('ago', () => {
  it.each<[number, string]>([
    [-5_000, '0s ago'],
    [59_999, '59s ago'],
    [60_000, '1m ago'],
    [3_599_999, '59m ago'],
    [7_200_000, '2h ago'],
    [3 * 86_400_000, '3d ago'],
  ])('%i ms → %s', (ms, text) => {
    expect(ago(ms)).toBe(text);
  });
});
