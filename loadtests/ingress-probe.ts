/**
 * Ingress probe: would a hand-written HTTP/1.1 ingress on node:net cost less per request than uWS?
 * Three servers answer the same request with the same response on the next turn of the event loop
 * (loadtests/ingress-probe/): uWS making the calls Vortex's uWS ingress makes, the same without the
 * peer address (what uWS's per-request getpeername + ArrayBuffer costs), and a node:net server that
 * parses and validates the head in JavaScript and knows the peer per connection. No upstream: only
 * the ingress's share of a proxied request is compared. Interleaved rounds, the server on PROXY_CPU,
 * wrk on LOAD_CPU; prints medians and the CPU cost relative to uWS per round, writes JSON to
 * loadtests/results/.
 *
 *   npm run bench:ingress                       # ROUNDS=5 DURATION=5 CONNS="50 200"
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../test/helpers/free-port.js';
import { fmt, median, measure, requireTools, startServer, stopServer } from './proxy-bench/measure.js';
import type { Load, Sample, Server } from './proxy-bench/measure.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const CONNS = (process.env.CONNS ?? '50 200').split(/\s+/).filter(Boolean).map(Number);
const PROXY_CPU = process.env.PROXY_CPU ?? '0';
const LOAD: Load = { loadCpu: process.env.LOAD_CPU ?? '1', warmup: Number(process.env.WARMUP ?? 2), duration: Number(process.env.DURATION ?? 5) };
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HERE = join(ROOT, 'loadtests/ingress-probe');

const VARIANTS = [
  { name: 'uws', script: 'uws-server.ts', env: {} },
  { name: 'uws, no peer address', script: 'uws-server.ts', env: { PEER: '0' } },
  { name: 'node:net', script: 'net-server.ts', env: {} },
] as const;

async function main(): Promise<void> {
  requireTools(['wrk', 'taskset']);
  const ports = await freePorts(VARIANTS.length);
  const servers: Server[] = [];
  const results: Record<string, Record<number, Sample[]>> = {};
  try {
    for (const [i, variant] of VARIANTS.entries()) {
      const port = ports[i]!;
      servers.push(await startServer(variant.name, PROXY_CPU, [process.execPath, '--import', 'tsx', join(HERE, variant.script)], port, { ...variant.env, PORT: String(port) }));
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const conns of CONNS) {
        for (const server of servers) {
          const sample = await measure(server, conns, LOAD);
          ((results[server.name] ??= {})[conns] ??= []).push(sample);
          process.stderr.write(`round ${round} c${conns} ${server.name}: ${fmt(sample.rps)} req/s, ${fmt(sample.cpuUsPerReq, 1)} µs/req (user ${fmt(sample.userUsPerReq, 1)})\n`);
        }
      }
    }
  } finally {
    for (const server of servers.reverse()) await stopServer(server);
  }

  const lines = [`Ingress probe: wrk -t1, ${ROUNDS} interleaved rounds × ${LOAD.duration} s, server on CPU ${PROXY_CPU}, wrk on CPU ${LOAD.loadCpu}; medians. Node ${process.version}.`];
  for (const conns of CONNS) {
    lines.push('', `-c${conns}`, '', '| ingress | req/s | CPU µs/req | of which user | CPU cost ×uws (per round) | errors |', '|---|--:|--:|--:|--:|--:|');
    const uws = results.uws![conns]!;
    for (const variant of VARIANTS) {
      const samples = results[variant.name]![conns]!;
      lines.push(
        `| ${variant.name} | ${fmt(median(samples.map((s) => s.rps)))} | ${fmt(median(samples.map((s) => s.cpuUsPerReq)), 1)} | ${fmt(median(samples.map((s) => s.userUsPerReq)), 1)} | ${fmt(median(samples.map((s, i) => s.cpuUsPerReq / uws[i]!.cpuUsPerReq)), 2)} | ${samples.reduce((n, s) => n + s.errors, 0)} |`,
      );
    }
  }
  console.log(lines.join('\n'));
  const resultsDir = join(ROOT, 'loadtests/results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `ingress-probe-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ rounds: ROUNDS, load: LOAD, conns: CONNS, node: process.version, results }, null, 2));
  console.log(`\nwrote ${file}`);
}

await main();
