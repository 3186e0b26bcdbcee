import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

// The `vortex` command as users run it: `npx vortex` from the repository, on the compiled build.

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const brokenDir = 'test/fixtures/config/broken';

async function vortex(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['--no', '--', 'vortex', ...args], { cwd: root, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The key each broken fixture must name in its error. */
const NAMED_KEY: Record<string, string> = {
  'bad-yaml.yaml': 'line 3, column 1',
  'wrong-type.yaml': 'cluster.starting_port:',
  'unknown-key.yaml': 'cluster.min_replica:',
  'negative-replicas.yaml': 'apps[0].min_replicas:',
  'min-over-max.yaml': 'apps[0].max_replicas:',
  'bad-duration.yaml': 'cluster.settings.scale_down_cooldown:',
  'unknown-plugin.yaml': 'apps[0].backend.plugin: expected one of docker|process|static',
  'docker-without-image.yaml': 'apps[0].backend.image:',
  'duplicate-app-names.yaml': 'apps[1].name: duplicate app name',
  'bad-listen-address.yaml': 'proxy.listen:',
};

describe('npx vortex', () => {
  beforeAll(async () => {
    await run('npm', ['run', '--silent', 'build'], { cwd: root, timeout: 120_000 });
  });

  it('--help and --version exit 0', async () => {
    const help = await vortex('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: vortex/);
    const version = await vortex('--version');
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) as unknown });
  });

  it('validate -c vortex.yaml exits 0 with one line', async () => {
    const result = await vortex('validate', '-c', 'vortex.yaml');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^vortex\.yaml: valid: 1 app \[hello .*\n$/);
  });

  it('validates the seed block and the Docker example', async () => {
    expect((await vortex('validate', '-c', 'test/fixtures/config/valid/seed.yaml')).code).toBe(0);
    expect((await vortex('validate', '-c', 'examples/docker/vortex.yaml')).code).toBe(0);
  });

  it('has a fixture for each of the ten kinds of broken file', () => {
    expect(readdirSync(new URL(`../../${brokenDir}`, import.meta.url)).sort()).toEqual(Object.keys(NAMED_KEY).sort());
  });

  it.each(Object.entries(NAMED_KEY))('validate %s exits 2 naming the key', async (name, key) => {
    const result = await vortex('validate', '-c', `${brokenDir}/${name}`);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${brokenDir}/${name}: `);
    expect(result.stderr).toContain(key);
  });
});
