// An example third-party backend plugin: each instance is a small HTTP server inside the Vortex process
// itself, answering like the echo test image (`{id, path, method, greeting}`, `/healthz`). Useful for
// demos without Docker or child processes; mostly, it shows the whole BackendProvider contract
// (plugins/provider.ts) in one file of plain JavaScript.
//
// Use it from vortex.yaml (a path is resolved against the config file's directory); every key other
// than `plugin` reaches the plugin as `app.backend.options`:
//
//   backend:
//     plugin: ./examples/plugins/in-process-echo.js
//     greeting: hello
//
// Instances live in this module, not in the provider object, so a provider created again in the same
// process (a restarted reconciler) lists and adopts them, as an engine's own metadata would allow.
import { createServer } from 'node:http';

/** @type {Map<string, {instance: import('../../plugins/provider.js').Instance, server: import('node:http').Server}>} */
const running = new Map();

/**
 * The plugin's factory: Vortex calls it once with the apps that use this plugin.
 * @param {import('../../plugins/provider.js').ProviderContext} context
 * @returns {import('../../plugins/provider.js').BackendProvider}
 */
export default function createInProcessEcho(context) {
  return {
    name: 'in-process-echo',
    scalable: true,

    async start(spec, options = {}) {
      options.signal?.throwIfAborted();
      const greeting = spec.config.backend.plugin === 'module' ? String(spec.config.backend.options.greeting ?? 'hi') : 'hi';
      const server = createServer((req, res) => {
        const body = req.url === '/healthz' ? { status: 'ok' } : { id: spec.instanceId, path: req.url, method: req.method, greeting };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(undefined));
      });
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      const instance = { id: `in-process:${port}`, app: spec.app, instanceId: spec.instanceId, address: `127.0.0.1:${port}`, startedAt: Date.now(), labels: { greeting } };
      running.set(instance.id, { instance, server });
      context.logger.info({ app: spec.app, address: instance.address }, 'in-process-echo: instance started');
      return instance;
    },

    async stop(instance) {
      const entry = running.get(instance.id);
      if (entry === undefined) return; // already gone: stopping again succeeds
      running.delete(instance.id);
      entry.server.closeAllConnections();
      await new Promise((resolve) => entry.server.close(() => resolve(undefined)));
    },

    async list(app) {
      return [...running.values()].map((entry) => entry.instance).filter((instance) => app === undefined || instance.app === app);
    },

    async inspect(instance) {
      return running.has(instance.id) ? { alive: true } : { alive: false, reason: 'stopped' };
    },

    async close() {
      // Instances outlive the provider object, like containers outlive a Docker client.
    },
  };
}
