import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { tempDir } from '../test/helpers/temp-dir.js';
import type { ProviderContext } from './provider.js';
import { contractProblem, loadProvider, pluginOf } from './registry.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const context: ProviderContext = { apps: [], startingPort: 3000, stateDir: '/nonexistent', logger: { info: () => undefined, warn: () => undefined } };

/** A plugin module with `source` in a fresh directory; returns that directory. */
async function pluginModule(source: string): Promise<string> {
  const dir = await tempDir('vx-plugin-');
  await writeFile(join(dir, 'plugin.mjs'), source);
  return dir;
}

describe('loadProvider', () => {
  it.each(['docker', 'process', 'static'])('loads the built-in %s by name', async (name) => {
    const provider = await loadProvider(name, context, { configDir: repoRoot });
    expect(provider.name).toBe(name);
    expect(contractProblem(provider)).toBeUndefined();
    await provider.close();
  });

  it('loads a module path relative to the config directory and calls its factory with the context', async () => {
    const config = parseConfig(JSON.stringify({ apps: [{ name: 'demo', backend: { plugin: './examples/plugins/in-process-echo.js', greeting: 'hello' } }] }), 'test');
    const app = config.apps[0]!;
    expect(pluginOf(app.backend)).toBe('./examples/plugins/in-process-echo.js');
    const provider = await loadProvider(pluginOf(app.backend), { ...context, apps: config.apps }, { configDir: repoRoot });
    expect(provider.name).toBe('in-process-echo');

    const instance = await provider.start({ app: 'demo', instanceId: 'd1', config: app });
    const res = await fetch(`http://${instance.address}/x`, { signal: AbortSignal.timeout(2000) });
    expect(await res.json()).toMatchObject({ id: 'd1', path: '/x', greeting: 'hello' });
    await provider.stop(instance, { graceMs: 0 });
    expect(await provider.list('demo')).toEqual([]);
  });

  it('loads an absolute module path', async () => {
    const dir = await pluginModule(`export default (ctx) => ({ name: 'abs', scalable: false, start() {}, stop() {}, list() { return [ctx.startingPort]; }, inspect() {}, close() {} });`);
    const provider = await loadProvider(join(dir, 'plugin.mjs'), context, { configDir: '/elsewhere' });
    expect(await provider.list()).toEqual([3000]);
  });

  it.each([
    { desc: 'an unknown name', plugin: 'kubernetes', source: undefined, reason: /not a built-in \(docker, process, static\) and not a module path/ },
    { desc: 'a missing module', plugin: './nope.mjs', source: undefined, reason: /nope\.mjs .*could not load the module/ },
    { desc: 'a module with a syntax error', plugin: './plugin.mjs', source: 'export default (', reason: /could not load the module/ },
    { desc: 'no default export', plugin: './plugin.mjs', source: 'export const x = 1;', reason: /default export must be a factory function .* got undefined/ },
    { desc: 'a factory that throws', plugin: './plugin.mjs', source: 'export default () => { throw new Error("no config"); };', reason: /its factory threw: no config/ },
    { desc: 'a factory returning a non-provider', plugin: './plugin.mjs', source: 'export default async () => ({ name: "half", scalable: true, start() {} });', reason: /not a BackendProvider: stop\(\) is missing; list\(\) is missing; inspect\(\) is missing; close\(\) is missing/ },
  ])('refuses $desc with VX_PROVIDER_PLUGIN_LOAD naming the path and the reason', async ({ plugin, source, reason }) => {
    const dir = source === undefined ? await tempDir('vx-plugin-') : await pluginModule(source);
    const loading = loadProvider(plugin, context, { configDir: dir });
    await expect(loading).rejects.toMatchObject({ code: 'VX_PROVIDER_PLUGIN_LOAD', message: expect.stringMatching(reason) as string });
    if (plugin.startsWith('./')) await expect(loading).rejects.toThrow(join(dir, plugin.slice(2)));
  });
});

describe('contractProblem', () => {
  it.each([
    { value: null, problem: 'got null' },
    { value: [], problem: /name must be a non-empty string/ },
    { value: { name: 'x', scalable: 'yes', start() {}, stop() {}, list() {}, inspect() {}, close() {} }, problem: 'scalable must be a boolean' },
    { value: { name: 'x', scalable: true, start() {}, stop() {}, list() {}, inspect() {}, close() {}, events: 1 }, problem: 'events must be a method when present' },
  ])('$problem', ({ value, problem }) => {
    expect(contractProblem(value)).toMatch(problem);
  });
});
