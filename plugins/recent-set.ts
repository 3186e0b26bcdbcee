/**
 * A set that remembers at most `capacity` keys, forgetting the oldest first. Providers use it for
 * "instances I stopped myself", so the engine's `die` for them is not reported as news. At the bound
 * the oldest key is forgotten: its late `die` would then be reported, which the reconciler ignores
 * for an instance it no longer tracks.
 */
/** A bounded set of the most recently added keys. */
export class RecentSet {
  readonly #keys = new Set<string>();

  constructor(private readonly capacity = 1024) {}

  add(key: string): void {
    this.#keys.delete(key); // re-adding moves it to the newest end
    this.#keys.add(key);
    if (this.#keys.size > this.capacity) {
      const oldest = this.#keys.values().next();
      if (!oldest.done) this.#keys.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.#keys.delete(key);
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  get size(): number {
    return this.#keys.size;
  }
}
