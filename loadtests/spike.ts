/**
 * The seed's spike scenario (design.md §10) against a real `vortex up`: autocannon at 500 rps until
 * the demo app has 5 ready, routed backends, then 100 rps until it is back at 1, then idle. It
 * reports the time from the spike to 5 ready backends, each scale-down step, failed requests per
 * phase, and the latency clients saw (p50/p99) next to the latency of one backend hit directly at
 * the same rate in the same run (the baseline: what the proxy and the scaling cost a client).
 *
 *   npm run bench:spike                     # the process plugin (no Docker needed)
 *   PLUGIN=docker npm run bench:spike       # the echo image on Docker (npm run test-images first)
 *
 * Everything stays on 127.0.0.1; each phase is bounded in time (PHASE_LIMIT_S). Writes JSON to
 * loadtests/results/spike-<time>.json.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { EtcdStore } from '../store/etcd/etcd-store.js';
import { keys } from '../store/keys.js';
import { ContainerRecord } from '../store/records/container-record.js';
import { Records } from '../store/records/records.js';
import { ScaleJob } from '../store/records/scale-job.js';
import { freePorts } from '../test/helpers/free-port.js';

const PLUGIN = process.env.PLUGIN ?? 'process';
const PHASE_LIMIT_S = Number(process.env.PHASE_LIMIT_S ?? 90);
/** How long the baseline (one backend, directly, at 100 rps) is measured. */
const BASELINE_S = 5;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** One app name per run, so cleaning up afterwards touches only this run's backends. */
const APP = `spike-${randomBytes(3).toString('hex')}`;

interface Phase {
  name: string;
  rate: number;
  seconds: number;
  requests: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Load at `rate` until `until()` is true (checked every 100 ms) or the phase limit; returns what the clients saw. */
async function phase(name: string, url: string, rate: number, until: () => Promise<boolean>, limitS = PHASE_LIMIT_S): Promise<Phase & { reached: boolean }> {
  const started = Date.now();
  const instance = autocannon({ url, connections: 20, overallRate: rate, duration: limitS, timeout: 10 }, () => undefined);
  const done = new Promise<autocannon.Result>((resolve) => instance.on('done', resolve));
  let reached = false;
  while (!reached && Date.now() - started < limitS * 1000) {
    await sleep(100);
    reached = await until();
  }
  const seconds = (Date.now() - started) / 1000;
  instance.stop();
  const result = await done;
  return { name, rate, seconds, reached, requests: result.requests.total, failures: result.non2xx + result.errors + result.timeouts, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vx-spike-'));
  const [proxyPort, adminPort, storePort, startingPort] = await freePorts(4);
  const backend =
    PLUGIN === 'docker'
      ? { plugin: 'docker', image: 'vortex-test/echo:latest', network: 'host' }
      : { plugin: 'process', command: [process.execPath, join(ROOT, 'test/images/echo/server.js')] };
  const config = {
    proxy: { listen: `127.0.0.1:${proxyPort}` },
    admin: { listen: `127.0.0.1:${adminPort}` },
    store: { backend: 'embedded', data_dir: join(dir, 'data'), listen: `127.0.0.1:${storePort}` },
    cluster: {
      min_replicas: 1,
      max_replicas: 5,
      starting_port: startingPort,
      target_rps_per_replica: 100,
      settings: { scaleupnumber: 5, scaledownnumber: 1, scale_up_grace_period: '1s', scale_down_cooldown: '5s' },
    },
    apps: [{ name: APP, health: { path: '/healthz', interval: '5s', timeout: '1s' }, drain_timeout: '30s', backend }],
  };
  const configFile = join(dir, 'vortex.yaml');
  await writeFile(configFile, JSON.stringify(config));
  const vortex = spawn(process.execPath, [join(ROOT, 'bin/vortex.js'), 'up', '-c', configFile], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, VORTEX_LOG_LEVEL: 'warn' } });
  const store = new EtcdStore({ endpoints: [`127.0.0.1:${storePort}`] });
  const records = new Records(store);
  const url = `http://127.0.0.1:${proxyPort}/`;
  try {
    await new Promise<void>((resolve, reject) => {
      vortex.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('vortex up:') && resolve());
      vortex.once('exit', (code) => reject(new Error(`vortex up exited with ${code}`)));
    });
    const ready = async (n: number) => {
      const running = (await records.query(ContainerRecord, { app: APP, status: 'Running' })).length;
      const all = (await records.query(ContainerRecord, { app: APP })).length;
      const routed = JSON.parse((await store.get(keys.router(APP)))?.value.toString('utf8') ?? '[]') as string[];
      return running === n && all === n && routed.length === n;
    };
    while (!(await ready(1))) await sleep(100);
    const [firstAddress] = JSON.parse((await store.get(keys.router(APP)))!.value.toString('utf8')) as string[];

    const baseline = await phase('direct to one backend (baseline)', `http://${firstAddress}/`, 100, () => Promise.resolve(false), BASELINE_S);
    const spike = await phase('spike 500 rps → 5 ready', url, 500, () => ready(5));
    const steps: Array<{ target: number; atS: number }> = [];
    const dropAt = Date.now();
    let lastTarget = 5;
    const drop = await phase('drop to 100 rps → 1 ready', url, 100, async () => {
      const target = (await records.get(ScaleJob, APP))?.record.targetReplicas ?? lastTarget;
      if (target !== lastTarget) steps.push({ target, atS: (Date.now() - dropAt) / 1000 });
      lastTarget = target;
      return ready(1);
    });
    const phases = [baseline, spike, drop];
    console.log(`spike scenario, ${PLUGIN} plugin (load average ${loadavg()[0]!.toFixed(2)}; 2 shared cores: figures are noisy)`);
    for (const p of phases) {
      console.log(`  ${p.name.padEnd(34)} ${p.seconds.toFixed(2).padStart(6)} s  ${String(p.requests).padStart(6)} req  ${p.failures} failed  p50 ${p.p50Ms} ms  p99 ${p.p99Ms} ms${!p.reached && p !== baseline ? '  (NOT reached)' : ''}`);
    }
    console.log(`  scale-down steps after the drop: ${steps.map((s) => `${s.target} at ${s.atS.toFixed(1)} s`).join(', ')}`);
    console.log(`  p99 through Vortex during the drop ÷ direct p99: ${(drop.p99Ms / Math.max(1, baseline.p99Ms)).toFixed(2)}×`);
    await mkdir(join(ROOT, 'loadtests/results'), { recursive: true });
    const file = join(ROOT, 'loadtests/results', `spike-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(file, JSON.stringify({ plugin: PLUGIN, loadavg: loadavg(), phases, steps }, null, 2));
    console.log(`  results: ${file}`);
    if (!spike.reached || !drop.reached) process.exitCode = 1;
  } finally {
    await store.close();
    vortex.kill('SIGTERM');
    await new Promise((resolve) => vortex.once('exit', resolve));
    // `vortex up` leaves backends running for the next start to adopt; this run is over, so stop them.
    await stopBackends(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Stops the backends the run left: containers by the app label, processes through the provider's state dir. */
async function stopBackends(dir: string): Promise<void> {
  const { loadProvider } = await import('../plugins/registry.js');
  const provider = await loadProvider(PLUGIN, { apps: [], startingPort: 1, stateDir: join(dir, 'data', 'plugins', PLUGIN), logger: { info: () => undefined, warn: () => undefined } }, { configDir: ROOT });
  for (const instance of await provider.list(APP)) await provider.stop(instance, { graceMs: 1_000 });
  await provider.close();
}

await main();
