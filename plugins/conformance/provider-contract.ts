/**
 * The BackendProvider contract suite: every scalable provider runs it against its real engine. Each
 * case works under its own random app name, so cases never see each other's instances, and the
 * provider's `cleanup(app)` removes whatever a failed case left. The instances must run the echo
 * server (test/images/echo/server.js): GET / answers JSON whose `id` is the instance's INSTANCE_ID.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AppConfig } from '../../config/resolve.js';
import type { BackendProvider, Instance, ProviderEvent } from '../provider.js';

/** How a provider plugs into the suite. */
export interface ProviderContractOptions {
  name: string;
  /** A new provider object; called again inside a case to check adoption (same engine or stateDir). */
  create: () => Promise<BackendProvider>;
  /** The resolved config of an app named `app` that this provider runs. */
  appConfig: (app: string) => AppConfig;
  /** Kills an instance the way something outside Vortex would (`docker kill`, `process.kill`). */
  killFromOutside?: (instance: Instance) => Promise<void>;
  /** Removes everything left of `app`, pass or fail. */
  cleanup: (app: string) => Promise<void>;
  /** Cases this provider cannot run, each with the reason printed in the skipped test's name. */
  skip?: Partial<Record<ContractCase, string>>;
  /** How long a started instance may take to answer HTTP, ms. Default 15000. */
  readyTimeoutMs?: number;
}

/** The cases a provider may skip (with a reason). */
export type ContractCase = 'killFromOutside' | 'adoption';

const GRACE_MS = 5_000;

/** Registers the contract as a vitest `describe` block named after the provider. */
export function runProviderContract(options: ProviderContractOptions): void {
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;

  /** A fresh app name whose leftovers are cleaned up when the test finishes. */
  function appName(): string {
    const app = `ct-${randomBytes(3).toString('hex')}`;
    onTestFinished(() => options.cleanup(app));
    return app;
  }

  /** A fresh app and a provider, both cleaned up when the test finishes. */
  async function setup(): Promise<{ app: string; config: AppConfig; provider: BackendProvider; id: () => string }> {
    const app = appName();
    const provider = await open();
    let n = 0;
    return { app, config: options.appConfig(app), provider, id: () => `${app}-${++n}` };
  }

  async function open(): Promise<BackendProvider> {
    const provider = await options.create();
    onTestFinished(() => provider.close());
    return provider;
  }

  /** GET / on the instance: the id it echoes. */
  async function echoOnce(instance: Instance): Promise<string> {
    const res = await fetch(`http://${instance.address}/`, { signal: AbortSignal.timeout(2_000) });
    return String(((await res.json()) as { id?: unknown }).id);
  }

  /** Polls until the instance answers with its own INSTANCE_ID (readiness is not start's promise). */
  async function answersWithItsId(instance: Instance): Promise<void> {
    await expect.poll(() => echoOnce(instance), { timeout: readyTimeoutMs, interval: 100 }).toBe(instance.instanceId);
  }

  function caseOrSkip(key: ContractCase, title: string, body: () => Promise<void>): void {
    const reason = options.skip?.[key];
    if (reason !== undefined) it.skip(`${title} (skipped: ${reason})`, body);
    else it(title, body);
  }

  describe(`BackendProvider contract: ${options.name}`, () => {
    it('start → listed → alive → answers with its INSTANCE_ID → stop → gone; stopping again succeeds', async () => {
      const { app, config, provider, id } = await setup();
      const instanceId = id();
      const instance = await provider.start({ app, instanceId, config });
      expect(instance).toMatchObject({ app, instanceId });
      expect(instance.address).toMatch(/^127\.0\.0\.1:\d+$/);

      expect((await provider.list(app)).map((i) => [i.id, i.instanceId, i.address])).toEqual([[instance.id, instanceId, instance.address]]);
      expect(await provider.inspect(instance)).toMatchObject({ alive: true });
      await answersWithItsId(instance);

      await provider.stop(instance, { graceMs: GRACE_MS });
      expect(await provider.list(app)).toEqual([]);
      expect(await provider.inspect(instance)).toMatchObject({ alive: false });
      await provider.stop(instance, { graceMs: GRACE_MS });
    });

    it('two instances get different addresses, each answers with its own id; list(app) shows only that app', async () => {
      const { app, config, provider, id } = await setup();
      const [a, b] = await Promise.all([provider.start({ app, instanceId: id(), config }), provider.start({ app, instanceId: id(), config })]);
      expect(a.address).not.toBe(b.address);
      expect(a.id).not.toBe(b.id);
      await answersWithItsId(a);
      await answersWithItsId(b);

      const otherApp = appName();
      const c = await provider.start({ app: otherApp, instanceId: `${otherApp}-1`, config: options.appConfig(otherApp) });
      expect((await provider.list(app)).map((i) => i.instanceId).sort()).toEqual([a.instanceId, b.instanceId].sort());
      expect((await provider.list()).map((i) => i.id)).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    });

    caseOrSkip('killFromOutside', 'events() reports died when an instance is killed from outside, and ends on abort', async () => {
      const { app, config, provider, id } = await setup();
      const events = provider.events?.bind(provider);
      if (events === undefined) throw new Error(`${options.name} has no events(); skip this case with a reason instead`);
      const instance = await provider.start({ app, instanceId: id(), config });
      await answersWithItsId(instance);

      const controller = new AbortController();
      const seen: ProviderEvent[] = [];
      const pump = (async () => {
        for await (const event of events(controller.signal)) seen.push(event);
      })();
      onTestFinished(() => controller.abort());

      await options.killFromOutside?.(instance);
      await expect.poll(() => seen.find((e) => e.type === 'died' && e.id === instance.id), { timeout: 15_000, interval: 50 }).toMatchObject({
        type: 'died',
        app,
        instanceId: instance.instanceId,
      });
      expect(await provider.inspect(instance)).toMatchObject({ alive: false });
      controller.abort();
      await pump; // the iterator ends, it does not throw
    });

    caseOrSkip('adoption', 'a new provider object (same engine/state) lists the running instance and can stop it', async () => {
      const { app, config, provider, id } = await setup();
      const instance = await provider.start({ app, instanceId: id(), config });
      await answersWithItsId(instance);

      const restarted = await open();
      const adopted = await restarted.list(app);
      expect(adopted.map((i) => [i.id, i.instanceId, i.address])).toEqual([[instance.id, instance.instanceId, instance.address]]);
      expect(await restarted.inspect(adopted[0]!)).toMatchObject({ alive: true });

      // The adopted port is not handed out again.
      const next = await restarted.start({ app, instanceId: id(), config });
      expect(next.address).not.toBe(instance.address);

      await restarted.stop(adopted[0]!, { graceMs: GRACE_MS });
      expect((await provider.list(app)).map((i) => i.id)).toEqual([next.id]);
    });

    it('an aborted start is refused and leaves nothing behind', async () => {
      const { app, config, provider, id } = await setup();
      const controller = new AbortController();
      controller.abort(new Error('give up'));
      await expect(provider.start({ app, instanceId: id(), config }, { signal: controller.signal })).rejects.toThrow('give up');
      expect(await provider.list(app)).toEqual([]);
    });
  });
}
