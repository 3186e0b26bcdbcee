import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually } from '../test/helpers/eventually.js';
import { openTestStore } from '../test/helpers/embedded-store.js';
import { StoreUnavailableError } from '../store/errors.js';
import { keys } from '../store/keys.js';
import type { Store, WatchRequest, Watcher } from '../store/store.js';
import { RouterWatch, parseRouterList } from './router-watch.js';

/** Records every setRouter call; `lists` holds the latest per app. */
function sink(): { lists: Map<string, readonly string[]>; calls: number; setRouter(app: string, addresses: readonly string[]): void } {
  return {
    lists: new Map(),
    calls: 0,
    setRouter(app, addresses) {
      this.calls++;
      this.lists.set(app, addresses);
    },
  };
}

/** A real store whose watches can be cut (a store outage as the proxy sees it). */
function cuttable(store: Store): { store: Store; cut: boolean } {
  const state = { cut: false, store: undefined as unknown as Store };
  state.store = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'watch') return Reflect.get(target, prop, receiver) as unknown;
      return (request: WatchRequest): Watcher => {
        if (state.cut) {
          return {
            cancel: () => undefined,
            [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new StoreUnavailableError('cut by the test')) }),
          };
        }
        const inner = target.watch(request);
        return {
          cancel: () => inner.cancel(),
          async *[Symbol.asyncIterator]() {
            for await (const batch of inner) {
              if (state.cut) throw new StoreUnavailableError('cut by the test');
              yield batch;
            }
          },
        };
      };
    },
  });
  return state;
}

async function started(store: Store, target: ReturnType<typeof sink>, warnings: string[] = []): Promise<RouterWatch> {
  const watch = new RouterWatch(store, target, { warn: (_f, m) => warnings.push(m) });
  await watch.start();
  onTestFinished(() => watch.stop());
  return watch;
}

describe('parseRouterList', () => {
  it('accepts JSON arrays of strings only', () => {
    expect(parseRouterList(Buffer.from('["127.0.0.1:1","127.0.0.1:2"]'))).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
    expect(parseRouterList(Buffer.from('[]'))).toEqual([]);
    expect(parseRouterList(Buffer.from('{"a":1}'))).toBeUndefined();
    expect(parseRouterList(Buffer.from('[1]'))).toBeUndefined();
    expect(parseRouterList(Buffer.from('not json'))).toBeUndefined();
  });
});

describe('RouterWatch on an EmbeddedStore', () => {
  it('reads existing lists, then follows puts and deletes', async () => {
    const { store } = await openTestStore();
    await store.put(keys.router('a'), '["127.0.0.1:1"]');
    const target = sink();
    await started(store, target);
    expect(target.lists.get('a')).toEqual(['127.0.0.1:1']);
    await store.put(keys.router('b'), '["127.0.0.1:2","127.0.0.1:3"]');
    await eventually(() => expect(target.lists.get('b')).toEqual(['127.0.0.1:2', '127.0.0.1:3']));
    await store.delete({ key: keys.router('a') });
    await eventually(() => expect(target.lists.get('a')).toEqual([]));
  });

  it('keeps the last list when a value is not a JSON array', async () => {
    const { store } = await openTestStore();
    await store.put(keys.router('a'), '["127.0.0.1:1"]');
    const target = sink();
    const warnings: string[] = [];
    await started(store, target, warnings);
    await store.put(keys.router('a'), '{broken');
    await eventually(() => expect(warnings.some((w) => w.includes('not a JSON array'))).toBe(true));
    expect(target.lists.get('a')).toEqual(['127.0.0.1:1']);
  });

  it('keeps the lists through a watch outage and catches up from the last revision', async () => {
    const { store: real } = await openTestStore();
    await real.put(keys.router('a'), '["127.0.0.1:1"]');
    const flaky = cuttable(real);
    const target = sink();
    const watch = await started(flaky.store, target);
    flaky.cut = true;
    await real.put(keys.router('a'), '["127.0.0.1:2"]');
    await eventually(() => expect(watch.failures).toBeGreaterThan(0));
    expect(target.lists.get('a')).toEqual(['127.0.0.1:1']);
    flaky.cut = false;
    await eventually(() => expect(target.lists.get('a')).toEqual(['127.0.0.1:2']), { timeoutMs: 8000 });
  });

  it('re-reads every list when the history it missed was compacted', async () => {
    const { store: real } = await openTestStore();
    await real.put(keys.router('a'), '["127.0.0.1:1"]');
    await real.put(keys.router('gone'), '["127.0.0.1:9"]');
    const flaky = cuttable(real);
    const target = sink();
    const watch = await started(flaky.store, target);
    flaky.cut = true;
    await real.put(keys.router('a'), '["127.0.0.1:2"]');
    await eventually(() => expect(watch.failures).toBeGreaterThan(0));
    const { revision } = await real.delete({ key: keys.router('gone') });
    await real.compact(revision);
    flaky.cut = false;
    await eventually(
      () => {
        expect(target.lists.get('a')).toEqual(['127.0.0.1:2']);
        expect(target.lists.get('gone')).toEqual([]);
      },
      { timeoutMs: 8000 },
    );
  });
});
