import {
  type StateStore,
  type SyncStateStore,
  type WindowUse,
  windowEnd,
  windowStart,
} from '../../core/ports/state-store.js';

interface WindowCounter {
  start: number;
  used: number;
}

/**
 * The state of a single Olla: plain maps, answered synchronously. A window counter keeps only its
 * current window (an older one is replaced on the next touch), so memory stays one entry per key
 * and limit.
 */
class LocalState implements SyncStateStore {
  /** By window size, then key: no key string is built per call. */
  readonly windows = new Map<number, Map<string, WindowCounter>>();
  readonly slots = new Map<string, number>();
  readonly records = new Map<string, Record<string, number>>();

  addToWindow(key: string, amount: number, windowMs: number, now: number): number {
    const start = windowStart(now, windowMs);
    let windows = this.windows.get(windowMs);
    if (windows === undefined) {
      windows = new Map();
      this.windows.set(windowMs, windows);
    }
    const counter = windows.get(key);
    if (counter === undefined) {
      windows.set(key, { start, used: amount });
      return amount;
    }
    if (counter.start !== start) {
      counter.start = start;
      counter.used = amount;
    } else counter.used += amount;
    return counter.used;
  }

  windowUse(key: string, windowMs: number, now: number): number {
    const counter = this.windows.get(windowMs)?.get(key);
    return counter?.start === windowStart(now, windowMs) ? counter.used : 0;
  }

  acquireSlot(key: string, max: number): boolean {
    const taken = this.slots.get(key) ?? 0;
    if (taken >= max) return false;
    this.slots.set(key, taken + 1);
    return true;
  }

  releaseSlot(key: string): void {
    const taken = this.slots.get(key) ?? 0;
    if (taken > 1) this.slots.set(key, taken - 1);
    else this.slots.delete(key);
  }

  updateCounters(
    key: string,
    increments: Readonly<Record<string, number>>,
    set?: Readonly<Record<string, number>>,
  ): void {
    let record = this.records.get(key);
    if (record === undefined) {
      record = {};
      this.records.set(key, record);
    }
    for (const field in increments) record[field] = (record[field] ?? 0) + increments[field]!;
    if (set !== undefined) for (const field in set) record[field] = set[field]!;
  }
}

/** The state store of a single Olla; the client-key gate uses `sync` and makes no promise per request. */
export class MemoryStateStore implements StateStore {
  readonly #state = new LocalState();
  readonly sync: SyncStateStore = this.#state;

  async addToWindow(key: string, amount: number, windowMs: number, now: number): Promise<WindowUse> {
    return { used: this.#state.addToWindow(key, amount, windowMs, now), resetAt: windowEnd(now, windowMs) };
  }

  async windowUse(key: string, windowMs: number, now: number): Promise<WindowUse> {
    return { used: this.#state.windowUse(key, windowMs, now), resetAt: windowEnd(now, windowMs) };
  }

  async acquireSlot(key: string, max: number): Promise<boolean> {
    return this.#state.acquireSlot(key, max);
  }

  async releaseSlot(key: string): Promise<void> {
    this.#state.releaseSlot(key);
  }

  async slotsInUse(key: string): Promise<number> {
    return this.#state.slots.get(key) ?? 0;
  }

  async updateCounters(
    key: string,
    increments: Readonly<Record<string, number>>,
    set?: Readonly<Record<string, number>>,
  ): Promise<void> {
    this.#state.updateCounters(key, increments, set);
  }

  async readCounters(key: string): Promise<Record<string, number>> {
    return { ...this.#state.records.get(key) };
  }

  async close(): Promise<void> {
    this.#state.windows.clear();
    this.#state.slots.clear();
    this.#state.records.clear();
  }
}
