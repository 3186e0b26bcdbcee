import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import type { BackendProvider, ProviderContext } from '../provider.js';
import { StaticProvider } from './static-provider.js';

function context(): ProviderContext {
  const config = parseConfig(
    JSON.stringify({
      apps: [
        { name: 'api', match: { path_prefix: '/api' }, backend: { plugin: 'static', upstreams: ['127.0.0.1:9001', '127.0.0.1:9002'] } },
        { name: 'web', match: { path_prefix: '/web' }, backend: { plugin: 'static', upstreams: ['127.0.0.1:9001'] } },
        { name: 'dyn', backend: { plugin: 'process', command: ['node', 'x.js'] } },
      ],
    }),
    'test',
  );
  return { apps: config.apps, startingPort: 3000, stateDir: '/nonexistent', logger: { info: () => undefined, warn: () => undefined } };
}

describe('StaticProvider', () => {
  const provider: BackendProvider = new StaticProvider(context(), 42);

  it('lists the configured upstreams of static apps as instances, one id per app and address', async () => {
    expect(await provider.list('api')).toEqual([
      { id: 'static:api:127.0.0.1:9001', app: 'api', instanceId: '127.0.0.1:9001', address: '127.0.0.1:9001', startedAt: 42, labels: { upstream: '127.0.0.1:9001' } },
      { id: 'static:api:127.0.0.1:9002', app: 'api', instanceId: '127.0.0.1:9002', address: '127.0.0.1:9002', startedAt: 42, labels: { upstream: '127.0.0.1:9002' } },
    ]);
    expect((await provider.list()).map((i) => i.id)).toEqual(['static:api:127.0.0.1:9001', 'static:api:127.0.0.1:9002', 'static:web:127.0.0.1:9001']);
    expect(await provider.list('dyn')).toEqual([]);
  });

  it('is not scalable: start and stop refuse with VX_PROVIDER_INVALID_SPEC', async () => {
    expect(provider.scalable).toBe(false);
    const [instance] = await provider.list('web');
    await expect(provider.start({ app: 'web', instanceId: 'x', config: context().apps[1]! })).rejects.toMatchObject({
      code: 'VX_PROVIDER_INVALID_SPEC',
      message: expect.stringContaining('fixed list') as string,
    });
    await expect(provider.stop(instance!, { graceMs: 0 })).rejects.toMatchObject({ code: 'VX_PROVIDER_INVALID_SPEC' });
  });

  it('inspect: configured upstreams are alive (health is the probe), anything else is not', async () => {
    const [instance] = await provider.list('web');
    expect(await provider.inspect(instance!)).toEqual({ alive: true });
    expect(await provider.inspect({ ...instance!, id: 'static:web:127.0.0.1:1' })).toMatchObject({ alive: false });
  });
});
