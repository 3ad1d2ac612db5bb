import type { ResponseStore } from '../../../core/ports/response-store.js';

export interface MemoryStoreOptions {
  /** Most conversations kept; the oldest goes first. */
  maxEntries: number;
  /** How long a conversation stays retrievable, in milliseconds. */
  ttlMs: number;
  now?: () => number;
}

/** A bounded, expiring `ResponseStore` in this process's memory (insertion order is age order). */
export class MemoryResponseStore implements ResponseStore {
  readonly #entries = new Map<string, { items: readonly unknown[]; expires: number }>();
  readonly #opts: MemoryStoreOptions;
  readonly #now: () => number;

  constructor(opts: MemoryStoreOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): readonly unknown[] | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expires <= this.#now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.items;
  }

  put(id: string, items: readonly unknown[]): void {
    if (this.#opts.maxEntries <= 0) return;
    this.#entries.delete(id);
    this.#entries.set(id, { items, expires: this.#now() + this.#opts.ttlMs });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#opts.maxEntries) break;
      this.#entries.delete(oldest);
    }
  }
}
