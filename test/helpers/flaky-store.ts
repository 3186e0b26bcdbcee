/**
 * Fault injection over a real store: while `down`, every call fails as an unreachable store does
 * (watches already running go on; new ones fail).
 */
import { StoreUnavailableError } from '../../store/errors.js';
import type { Store } from '../../store/store.js';

/** A store that fails every call while set down. */
export function flakyStore(inner: Store): { store: Store; setDown: (down: boolean) => void } {
  let down = false;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (down) {
          const error = new StoreUnavailableError('connection refused (test)');
          if (prop === 'watch') throw error;
          return Promise.reject(error);
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store,
    setDown: (d: boolean) => {
      down = d;
    },
  };
}
