import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AppDetailResponseSchema, AppsResponseSchema } from '../../proxy/admin-api/api-types.js';
import type { AppsResponse } from '../../proxy/admin-api/api-types.js';
import { EventRecorder } from '../../scaler/event-recorder.js';
import { Scaler } from '../../scaler/scaler.js';
import { ManualScale } from '../../store/records/scale-job.js';
import { call, configText, rig, seed } from '../helpers/admin-api-rig.js';
import type { Rig } from '../helpers/admin-api-rig.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { runVortex } from '../helpers/vortex-process.js';

// The /api/v1 admin routes on a real admin server over a real store, fed by the writers the scaler,
// reconciler and proxies use; then `vortex status` and `vortex scale` as the processes users run.

/** A real scaler on the same store: it turns the ManualScale the API writes into the ScaleJob. */
function startScaler(r: Rig): Scaler {
  const scaler = new Scaler({ store: r.store, config: { apps: r.config.apps }, id: 'scaler-test' });
  scaler.start();
  onTestFinished(() => scaler.close());
  return scaler;
}

async function apps(r: Rig): Promise<AppsResponse> {
  const { status, json } = await call(r.url('/api/v1/apps'));
  expect(status).toBe(200);
  return AppsResponseSchema.parse(json);
}

describe('admin API /api/v1', () => {
  it('wants the token on every /api/v1 route', async () => {
    const r = await rig();
    for (const [method, path] of [
      ['GET', '/api/v1/apps'],
      ['GET', '/api/v1/apps/hello'],
      ['POST', '/api/v1/apps/hello/scale'],
      ['DELETE', '/api/v1/apps/hello/scale'],
      ['GET', '/api/v1/events'],
    ] as const) {
      expect((await call(r.url(path), { method, token: false })).status, `${method} ${path}`).toBe(401);
    }
    const wrong = await fetch(r.url('/api/v1/apps'), { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect(await r.records.get(ManualScale, 'hello')).toBeUndefined();
  });

  it('GET /apps and /apps/:name summarize the records: desired, counts, backends, live load, standing errors', async () => {
    const r = await rig();
    const { proxyB } = await seed(r);
    startScaler(r);
    const first = await eventually(async () => {
      const answer = await apps(r);
      expect(answer.apps.map((app) => app.desired?.issuedBy)).toEqual(['scaler-test', 'scaler-test', 'scaler-test']);
      return answer;
    });
    expect(first.apps.map((app) => app.name)).toEqual(['hello', 'api', 'web']);
    const [hello, api, web] = first.apps;
    expect(hello).toMatchObject({
      plugin: 'process',
      minReplicas: 1,
      maxReplicas: 5,
      manual: null,
      ready: 2,
      provisioning: 1,
      draining: 1,
      dead: 1,
      backends: ['127.0.0.1:3001', '127.0.0.1:3002'],
      rps: 200.5,
      inflight: 5,
      p99Ms: 40,
      proxies: 2,
      error: null,
    });
    expect(api).toMatchObject({ plugin: 'docker', ready: 0, backends: [], proxies: 0, error: { kind: 'error', code: 'VX_PROVIDER_IMAGE_MISSING', instanceId: 'api-x' } });
    expect(api!.error!.message).toContain('vortex-test/missing:latest');
    expect(web).toMatchObject({ plugin: 'static', backends: ['127.0.0.1:9001'], error: null });

    // A proxy that goes away takes its numbers with it (its lease).
    await r.store.revoke(proxyB);
    expect((await apps(r)).apps[0]).toMatchObject({ rps: 120, inflight: 3, p99Ms: 12, proxies: 1 });

    const detail = await call(r.url('/api/v1/apps/hello'));
    expect(detail.status).toBe(200);
    const parsed = AppDetailResponseSchema.parse(detail.json);
    expect(parsed.instances.map((i) => [i.id, i.status, i.address])).toEqual([
      ['hello-d', 'Draining', '127.0.0.1:3000'],
      ['hello-a', 'Running', '127.0.0.1:3001'],
      ['hello-b', 'Running', '127.0.0.1:3002'],
      ['hello-c', 'Provisioning', '127.0.0.1:3003'],
      ['hello-e', 'Dead', '127.0.0.1:2999'],
    ]);
    expect(parsed.events.map((e) => e.kind).slice(-2)).toEqual(['ready', 'start']);
    expect(parsed.events.every((e, i, all) => i === 0 || all[i - 1]!.id > e.id)).toBe(true);
    expect(parsed).toMatchObject({ name: 'hello', ready: 2, proxies: 1 });

    expect(await call(r.url('/api/v1/apps/nope'))).toEqual({ status: 404, json: { error: 'unknown_app', app: 'nope', message: 'no app named "nope" in the running config' } });

    // A reload that drops an app: the API follows the running config at once.
    r.setConfig({ ...r.config, apps: r.config.apps.filter((app) => app.name !== 'web') });
    expect((await apps(r)).apps.map((app) => app.name)).toEqual(['hello', 'api']);
    expect((await call(r.url('/api/v1/apps/web'))).status).toBe(404);
  });

  it('POST /apps/:name/scale stores the ManualScale the scaler applies; DELETE clears it; bad requests get 400/404/413', async () => {
    const r = await rig();
    startScaler(r);
    const set = await call(r.url('/api/v1/apps/hello/scale'), { method: 'POST', body: '{"replicas": 3}' });
    expect(set.status).toBe(202);
    expect(set.json).toMatchObject({ app: 'hello', manual: { app: 'hello', replicas: 3 }, previous: null });
    expect((await r.records.get(ManualScale, 'hello'))?.record).toMatchObject({ app: 'hello', replicas: 3 });
    const applied = await eventually(async () => {
      const hello = (await apps(r)).apps[0]!;
      expect(hello.desired).toMatchObject({ replicas: 3, reason: 'manual 3', issuedBy: 'scaler-test' });
      return hello;
    });
    expect(applied.manual).toMatchObject({ replicas: 3 });

    const again = await call(r.url('/api/v1/apps/hello/scale'), { method: 'POST', body: '{"replicas": 0}' });
    expect(again.json).toMatchObject({ manual: { replicas: 0 }, previous: { replicas: 3 } });

    const refused: Array<[string, string, number, Record<string, unknown>]> = [
      ['hello', '{"replicas": 6}', 400, { error: 'invalid_request', app: 'hello', message: 'replicas: is 6, must be ≤ max_replicas (5) of app hello; raise max_replicas in vortex.yaml and reload to go higher' }],
      ['hello', '{"replicas": -2}', 400, { error: 'invalid_request', message: 'replicas: must be a whole number ≥ 0 (got -2)' }],
      ['hello', '{"replicas": 1.5}', 400, { error: 'invalid_request' }],
      ['hello', 'three', 400, { error: 'invalid_request', message: 'the body is not valid JSON' }],
      ['hello', '', 400, { error: 'invalid_request' }],
      ['web', '{"replicas": 2}', 400, { error: 'not_scalable', app: 'web' }],
      ['nope', '{"replicas": 2}', 404, { error: 'unknown_app', app: 'nope' }],
      ['hello', JSON.stringify({ replicas: 1, pad: 'x'.repeat(20_000) }), 413, { error: 'body_too_large' }],
    ];
    for (const [app, body, status, json] of refused) {
      const answer = await call(r.url(`/api/v1/apps/${app}/scale`), { method: 'POST', body });
      expect(answer.status, `${app} ${body.slice(0, 40)}`).toBe(status);
      expect(answer.json).toMatchObject(json);
    }
    expect((await r.records.get(ManualScale, 'hello'))?.record.replicas).toBe(0);

    const cleared = await call(r.url('/api/v1/apps/hello/scale'), { method: 'DELETE' });
    expect(cleared).toMatchObject({ status: 202, json: { app: 'hello', manual: null, previous: { replicas: 0 } } });
    expect(await r.records.get(ManualScale, 'hello')).toBeUndefined();
    await eventually(async () => expect((await apps(r)).apps[0]!.desired?.reason).not.toMatch(/^manual/));
    const nullBody = await call(r.url('/api/v1/apps/hello/scale'), { method: 'POST', body: '{"replicas": null}' });
    expect(nullBody).toMatchObject({ status: 202, json: { manual: null, previous: null } });
  });

  it('GET /events: newest first, per app or across apps, bounded limit', async () => {
    const r = await rig();
    await seed(r);
    const logger = { info: () => undefined, warn: () => undefined };
    const events = new EventRecorder(r.store, r.records, logger, Date.now);
    for (let i = 0; i < 5; i++) await events.emit('api', 'error', `attempt ${i}`, { code: 'VX_PROVIDER_IMAGE_MISSING' });

    const api = await call(r.url('/api/v1/events?app=api&limit=2'));
    expect(api.status).toBe(200);
    expect((api.json as { events: { message: string }[] }).events.map((e) => e.message)).toEqual(['attempt 4', 'attempt 3']);

    const all = (await call(r.url('/api/v1/events'))).json as { events: { app: string; kind: string; id: string }[] };
    expect(all.events).toHaveLength(8);
    expect(all.events[0]).toMatchObject({ app: 'api', kind: 'error' });
    expect(all.events.map((e) => `${e.app}:${e.kind}`).filter((e) => e.startsWith('hello'))).toEqual(['hello:ready', 'hello:start']);
    const sequences = all.events.map((e) => e.id.slice(e.id.lastIndexOf(':') + 1));
    expect(sequences).toEqual([...sequences].sort().reverse());

    expect(await call(r.url('/api/v1/events?limit=0'))).toMatchObject({ status: 400, json: { error: 'invalid_request', message: 'limit: must be a whole number from 1 to 1000 (got "0")' } });
    expect(await call(r.url('/api/v1/events?limit=1001'))).toMatchObject({ status: 400 });
    expect(await call(r.url('/api/v1/events?app=nope'))).toMatchObject({ status: 404, json: { error: 'unknown_app', app: 'nope' } });
  });
});

describe('vortex status and vortex scale against a running admin API', () => {
  it('status prints the table (admin.listen 0.0.0.0 read as loopback) and --json the API answer; scale writes and clears the override', async () => {
    const r = await rig();
    await seed(r);
    const noToken = join(r.dir, 'no-token.yaml');
    await writeFile(noToken, configText(`127.0.0.1:${new URL(r.base).port}`, undefined));
    const closedPort = await freePort();

    const [table, json, unreachable, unauthorized] = await Promise.all([
      runVortex(['status', '-c', r.configFile]),
      runVortex(['status', '--json', '-c', r.configFile, '--admin', r.base]),
      runVortex(['status', '-c', r.configFile, '--admin', `http://127.0.0.1:${closedPort}`]),
      runVortex(['status', '-c', noToken]),
    ]);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^APP\s+DESIRED\s+READY\s+DRAINING\s+RPS\s+BACKENDS$/);
    expect(lines[1]).toMatch(/^hello\s+-\s+2 \+1 starting\s+1\s+200\.5\s+127\.0\.0\.1:3001,127\.0\.0\.1:3002$/);
    expect(lines[2]).toMatch(/^api\s+-\s+0\s+0\s+0\.0\s+-$/);
    expect(lines[3]).toMatch(/^web\s+-\s+0\s+0\s+0\.0\s+127\.0\.0\.1:9001$/);
    expect(lines[5]).toMatch(/^api: error VX_PROVIDER_IMAGE_MISSING, \d+s ago: start of api-x failed/);

    expect(json.code).toBe(0);
    const answer = AppsResponseSchema.parse(JSON.parse(json.stdout));
    expect(answer.apps.map((app) => [app.name, app.ready, app.rps])).toEqual([
      ['hello', 2, 200.5],
      ['api', 0, 0],
      ['web', 0, 0],
    ]);

    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`vortex status: cannot reach the admin API at http://127.0.0.1:${closedPort} (`);
    expect(unreachable.stdout).toBe('');
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toContain('wants a token: set admin.token');

    const scaled = await runVortex(['scale', 'hello', '4', '-c', r.configFile, '--admin', r.base]);
    expect(scaled).toMatchObject({ code: 0, stderr: '' });
    expect(scaled.stdout.trim()).toBe('hello: manual scale 4 stored (was none); the scaler holds the app at it until `vortex scale hello --clear`');
    expect((await r.records.get(ManualScale, 'hello'))?.record.replicas).toBe(4);

    const [unknown, tooMany] = await Promise.all([
      runVortex(['scale', 'nope', '2', '-c', r.configFile, '--admin', r.base]),
      runVortex(['scale', 'hello', '9', '--json', '-c', r.configFile, '--admin', r.base]),
    ]);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr.trim()).toBe('vortex scale: no app named "nope" in the running config');
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr.trim()).toBe('vortex scale: replicas: is 9, must be ≤ max_replicas (5) of app hello; raise max_replicas in vortex.yaml and reload to go higher');
    expect((await r.records.get(ManualScale, 'hello'))?.record.replicas).toBe(4);

    const cleared = await runVortex(['scale', 'hello', '--clear', '--json', '-c', r.configFile, '--admin', r.base]);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ app: 'hello', manual: null, previous: { replicas: 4 } });
    expect(await r.records.get(ManualScale, 'hello')).toBeUndefined();
  });
});
