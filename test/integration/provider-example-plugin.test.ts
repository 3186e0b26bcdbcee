/**
 * The example third-party plugin (examples/plugins/in-process-echo.js), loaded the way Vortex loads
 * it — through the registry from a module path relative to the config's directory — runs the same
 * provider contract as the built-ins.
 */
import { fileURLToPath } from 'node:url';
import { runProviderContract } from '../../plugins/conformance/provider-contract.js';
import { loadProvider } from '../../plugins/registry.js';
import { appConfigOf } from '../helpers/app-config.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const plugin = './examples/plugins/in-process-echo.js';
const load = () => loadProvider(plugin, { apps: [], startingPort: 3000, stateDir: '/nonexistent', logger: { info: () => undefined, warn: () => undefined } }, { configDir: repoRoot });

runProviderContract({
  name: `example plugin ${plugin}`,
  create: load,
  appConfig: (app) => appConfigOf({ name: app, backend: { plugin, greeting: 'hi' } }),
  cleanup: async (app) => {
    const provider = await load();
    for (const instance of await provider.list(app)) await provider.stop(instance, { graceMs: 0 });
  },
  skip: { killFromOutside: 'in-process instances have no outside to be killed from, and the plugin has no events()' },
});
