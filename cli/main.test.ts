import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { runCli } from './main.js';
import { vortexVersion } from './version.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => (out += text), err: (text) => (err += text) };
  const code = await runCli(argv, io);
  return { code, out, err };
}

const fixture = (name: string) => new URL(`../test/fixtures/config/${name}`, import.meta.url).pathname;
const rootConfig = new URL('../vortex.yaml', import.meta.url).pathname;

describe('vortex CLI', () => {
  it('--help lists only the commands that work', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out).toContain('validate');
    expect(out).not.toMatch(/not implemented/i);
  });

  it.each(['proxy', 'scaler'])('%s --store with something that is not host:port exits 2 saying what it expects', async (command) => {
    const { code, err } = await run(command, '--store', '127.0.0.1:2379,nowhere');
    expect(code).toBe(2);
    expect(err).toContain(`vortex ${command}: --store "127.0.0.1:2379,nowhere": expected host:port[,host:port], e.g. 127.0.0.1:2379`);
  });

  it('--help lists the commands of design.md §9', async () => {
    const { out } = await run('--help');
    for (const command of ['up', 'proxy', 'scaler', 'store', 'status', 'scale', 'reload', 'validate']) expect(out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('--version prints the package version', async () => {
    const { code, out } = await run('--version');
    expect(code).toBe(0);
    expect(out.trim()).toBe(vortexVersion());
    expect(vortexVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('validate: a valid file exits 0 with a one-line summary', async () => {
    const { code, out, err } = await run('validate', '-c', rootConfig);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(out).toContain('valid: 1 app [hello (/, process, 1-5 replicas, drain 30s)]');
  });

  it('validate: a broken file exits 2 with every problem on stderr', async () => {
    const { code, out, err } = await run('validate', '--config', fixture('broken/min-over-max.yaml'));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('apps[0].max_replicas: is 3, must be ≥ min_replicas (5)');
  });

  it('validate --json reports problems for machines', async () => {
    const { code, err } = await run('validate', '--json', '-c', fixture('broken/unknown-key.yaml'));
    expect(code).toBe(2);
    const report = JSON.parse(err) as { valid: boolean; code: string; problems: { path: string; line: number }[] };
    expect(report).toMatchObject({ valid: false, code: 'VX_CONFIG_INVALID', problems: [{ path: 'cluster.min_replica', line: 2 }] });
  });

  it('validate --json prints the resolved config', async () => {
    const { code, out } = await run('validate', '--json', '-c', fixture('valid/seed.yaml'));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ valid: true, config: { cluster: { settings: { scale_down_cooldown: 5_000 } } } });
  });

  it('validate: a missing file exits 2 naming it', async () => {
    const { code, err } = await run('validate', '-c', '/nonexistent/vortex.yaml');
    expect(code).toBe(2);
    expect(err).toBe('/nonexistent/vortex.yaml: cannot read the config: file not found');
  });

  it('an unknown command exits 2', async () => {
    const { code, err } = await run('launch-rockets');
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'launch-rockets'");
  });
});
