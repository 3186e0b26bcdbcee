/**
 * Debian's etcdctl (3.4, grpc-go) against `vortex store` (the embedded store served over gRPC, in its
 * own process, as operators run it): the commands operators use, with their real output formats. A
 * real etcd runs beside it so read output can be compared byte for byte.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd } from '../helpers/etcd.js';
import type { EtcdProcess } from '../helpers/etcd.js';
import { freePort } from '../helpers/free-port.js';
import { runCommand } from '../helpers/run-command.js';
import type { CommandResult } from '../helpers/run-command.js';
import { startVortex } from '../helpers/vortex-process.js';
import type { VortexProcess } from '../helpers/vortex-process.js';

const ETCDCTL_BIN = process.env.VORTEX_ETCDCTL_BIN ?? '/usr/bin/etcdctl';
/** Per-command limit; etcdctl's own --command-timeout is 5 s. */
const COMMAND_TIMEOUT_MS = 15_000;

let etcd: EtcdProcess | undefined;
let dataDir = '';
let vortexStore: VortexProcess | undefined;
/** What the server under test is dialled as. */
const server = { address: '' };

beforeAll(async () => {
  etcd = await startEtcd();
  dataDir = await mkdtemp(join(tmpdir(), 'vortex-etcdctl-'));
  server.address = `127.0.0.1:${await freePort()}`;
  vortexStore = await startVortex(['store', '--listen', server.address, '--data', dataDir], /^vortex store: serving /);
});

afterAll(async () => {
  await vortexStore?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await etcd?.stop();
});

/** Runs etcdctl against the server (or `endpoint`); `stdin` feeds e.g. a txn. Never throws on a non-zero exit. */
function etcdctl(args: string[], stdin = '', endpoint = server.address): Promise<CommandResult> {
  return runCommand(ETCDCTL_BIN, [`--endpoints=${endpoint}`, ...args], { stdin, env: { ...process.env, ETCDCTL_API: '3' }, timeoutMs: COMMAND_TIMEOUT_MS });
}

/** Runs etcdctl and expects success; returns stdout. */
async function ok(args: string[], stdin = ''): Promise<string> {
  const result = await etcdctl(args, stdin);
  expect(result.code, `etcdctl ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

describe('etcdctl against vortex store', () => {
  it('put, get --prefix (simple and json) and del', async () => {
    expect(await ok(['put', 'ictl/a', 'one'])).toBe('OK\n');
    expect(await ok(['put', 'ictl/b', 'two'])).toBe('OK\n');
    expect(await ok(['get', '--prefix', 'ictl/'])).toBe('ictl/a\none\nictl/b\ntwo\n');
    const json = JSON.parse(await ok(['get', '--prefix', 'ictl/', '-w', 'json'])) as {
      header: { revision: number; member_id: number };
      kvs: { key: string; value: string; version: number; create_revision: number }[];
      count: number;
    };
    expect(json.count).toBe(2);
    expect(json.kvs.map((kv) => Buffer.from(kv.key, 'base64').toString())).toEqual(['ictl/a', 'ictl/b']);
    expect(Buffer.from(json.kvs[1]!.value, 'base64').toString()).toBe('two');
    expect(json.header.revision).toBe(json.kvs[1]!.create_revision);
    expect(json.header.member_id).toBeGreaterThan(0);
    expect(await ok(['get', 'ictl/a', '--print-value-only'])).toBe('one\n');
    expect(await ok(['del', 'ictl/a'])).toBe('1\n');
    expect(await ok(['del', '--prefix', 'ictl/'])).toBe('1\n');
    expect(await ok(['get', '--prefix', 'ictl/'])).toBe('');
  });

  it('read options print exactly what a real etcd prints for the same writes', async () => {
    // The same writes go to our server and straight to etcd, each under its own prefix (the backend
    // may be that same etcd); outputs must match once the prefix is swapped back.
    const sides = [
      { endpoint: server.address, prefix: 'iopt-ours/' },
      { endpoint: etcd!.endpoint, prefix: 'iopt-etcd/' },
    ];
    const outputs: string[][] = [];
    for (const { endpoint, prefix } of sides) {
      const run = async (args: string[]): Promise<string> => {
        const result = await etcdctl(args.map((a) => a.replaceAll('iopt/', prefix)), '', endpoint);
        return `${result.code} ${result.stdout.replaceAll(prefix, 'iopt/')}`;
      };
      await run(['put', 'iopt/b', '2']);
      const first = JSON.parse((await run(['put', 'iopt/a', '1', '-w', 'json'])).slice(2)) as { header: { revision: number } };
      await run(['put', 'iopt/c', '3']);
      await run(['put', 'iopt/a', '1b']);
      outputs.push([
        await run(['get', '--prefix', 'iopt/', '--sort-by=CREATE', '--order=DESCEND', '--limit=2']),
        await run(['get', '--prefix', 'iopt/', '--sort-by=VALUE', '--order=DESCEND']),
        await run(['get', '--prefix', 'iopt/', '--sort-by=MODIFY']),
        await run(['get', '--prefix', 'iopt/', '--sort-by=VERSION', '--order=DESCEND', '--keys-only']),
        await run(['get', 'iopt/a', `--rev=${first.header.revision}`]),
        await run(['get', '--from-key', 'iopt/b', '--limit=2']),
        await run(['get', 'iopt/missing']),
        await run(['del', '--prev-kv', 'iopt/c']),
        await run(['put', '--prev-kv', 'iopt/a', 'new']),
        await run(['get', '--prefix', 'iopt/']),
      ]);
    }
    expect(outputs[0]).toEqual(outputs[1]);
    expect(outputs[0]![7]).toBe('0 1\niopt/c\n3\n');
  });

  it('txn from stdin takes the success or the failure branch', async () => {
    await ok(['put', 'itxn/k', 'v1']);
    const txn = (expected: string): string =>
      `value("itxn/k") = "${expected}"\n\nput itxn/k "won"\nput itxn/log "success"\n\nput itxn/log "failure"\n\n`;
    expect(await ok(['txn'], txn('v1'))).toBe('SUCCESS\n\nOK\n\nOK\n');
    expect(await ok(['get', 'itxn/k', '--print-value-only'])).toBe('won\n');
    expect(await ok(['txn'], txn('v1'))).toBe('FAILURE\n\nOK\n');
    expect(await ok(['get', 'itxn/log', '--print-value-only'])).toBe('failure\n');
  });

  it('watch --prefix --rev streams events until killed', async () => {
    const start = await ok(['put', 'iwatch/a', '1']);
    expect(start).toBe('OK\n');
    const rev = (JSON.parse(await ok(['get', 'iwatch/a', '-w', 'json'])) as { header: { revision: number } }).header.revision;
    const child = spawn(ETCDCTL_BIN, [`--endpoints=${server.address}`, 'watch', '--prefix', 'iwatch/', `--rev=${rev}`, '--prev-kv'], {
      env: { ...process.env, ETCDCTL_API: '3' },
    });
    let output = '';
    const expected = 'PUT\niwatch/a\n1\nPUT\niwatch/a\n1\niwatch/a\n2\nDELETE\niwatch/a\n2\niwatch/a\n\n';
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watch output so far: ${JSON.stringify(output)}`)), COMMAND_TIMEOUT_MS);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.length >= expected.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      await ok(['put', 'iwatch/a', '2']);
      await ok(['del', 'iwatch/a']);
      await seen;
      expect(output).toBe(expected);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('lease grant, put --lease, keep-alive --once, timetolive --keys, list, revoke', async () => {
    const grant = await ok(['lease', 'grant', '60']);
    const match = /^lease ([0-9a-f]+) granted with TTL\(60s\)\n$/.exec(grant);
    expect(match, grant).not.toBeNull();
    const id = match![1]!;
    expect(await ok(['put', 'ilease/a', 'x', `--lease=${id}`])).toBe('OK\n');
    expect(await ok(['lease', 'keep-alive', '--once', id])).toBe(`lease ${id} keepalived with TTL(60)\n`);
    expect(await ok(['lease', 'timetolive', id, '--keys'])).toMatch(
      new RegExp(`^lease ${id} granted with TTL\\(60s\\), remaining\\((59|60)s\\), attached keys\\(\\[ilease/a\\]\\)\n$`),
    );
    expect(await ok(['lease', 'list'])).toContain(`${id}\n`);
    expect(await ok(['lease', 'revoke', id])).toBe(`lease ${id} revoked\n`);
    expect(await ok(['get', 'ilease/a'])).toBe('');
    expect(await ok(['lease', 'timetolive', id])).toBe(`lease ${id} already expired\n`);
    const again = await etcdctl(['lease', 'revoke', id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('etcdserver: requested lease not found');
  });

  it('endpoint status, endpoint health and member list', async () => {
    const status = JSON.parse(await ok(['endpoint', 'status', '-w', 'json'])) as {
      Endpoint: string;
      Status: { version: string; leader: number; header: { member_id: number; revision: number } };
    }[];
    expect(status).toHaveLength(1);
    expect(status[0]!.Endpoint).toBe(server.address);
    expect(status[0]!.Status.version).toBe('3.4.0-vortex');
    expect(status[0]!.Status.leader).toBe(status[0]!.Status.header.member_id);
    expect(status[0]!.Status.header.revision).toBeGreaterThan(0);
    expect(await ok(['endpoint', 'status'])).toContain('3.4.0-vortex');
    const health = await etcdctl(['endpoint', 'health']);
    expect(health.code).toBe(0);
    // etcdctl 3.4 prints the health line on stderr.
    expect(health.stderr).toMatch(new RegExp(`^${server.address} is healthy: successfully committed proposal`));
    const members = await ok(['member', 'list']);
    expect(members).toMatch(new RegExp(`^[0-9a-f]+, started, vortex, , http://${server.address}, false\n$`));
  });

  it('errors come back with etcd\'s messages', async () => {
    const empty = await etcdctl(['put', '', 'x']);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('etcdserver: key is not provided');
    const compact = await etcdctl(['compact', '999999999']);
    expect(compact.code).not.toBe(0);
    expect(compact.stderr).toContain('etcdserver: mvcc: required revision is a future revision');
  });
});
