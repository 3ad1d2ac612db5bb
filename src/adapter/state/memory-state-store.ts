import { type StateStore, type WindowUse, windowStart } from '../../core/ports/state-store.js';

interface WindowCounter {
  start: number;
  used: number;
}

/**
 * The state store of a single Olla: plain maps. A window counter keeps only its current window
 * (an older one is replaced on the next touch), so memory stays one entry per key and limit.
 */
export class MemoryStateStore implements StateStore {
  /** By window size, then key: no key string is built per call. */
  readonly #windows = new Map<number, Map<string, WindowCounter>>();
  readonly #slots = new Map<string, number>();
  readonly #records = new Map<string, Record<string, number>>();

  async addToWindow(key: string, amount: number, windowMs: number, now: number): Promise<WindowUse> {
    const start = windowStart(now, windowMs);
    let windows = this.#windows.get(windowMs);
    if (windows === undefined) {
      windows = new Map();
      this.#windows.set(windowMs, windows);
    }
    const counter = windows.get(key);
    if (counter === undefined) windows.set(key, { start, used: amount });
    else if (counter.start !== start) {
      counter.start = start;
      counter.used = amount;
    } else counter.used += amount;
    const used = counter === undefined ? amount : counter.used;
    return { used, resetAt: start + windowMs };
  }

  async windowUse(key: string, windowMs: number, now: number): Promise<WindowUse> {
    const start = windowStart(now, windowMs);
    const counter = this.#windows.get(windowMs)?.get(key);
    return { used: counter?.start === start ? counter.used : 0, resetAt: start + windowMs };
  }

  async acquireSlot(key: string, max: number): Promise<boolean> {
    const taken = this.#slots.get(key) ?? 0;
    if (taken >= max) return false;
    this.#slots.set(key, taken + 1);
    return true;
  }

  async releaseSlot(key: string): Promise<void> {
    const taken = this.#slots.get(key) ?? 0;
    if (taken > 1) this.#slots.set(key, taken - 1);
    else this.#slots.delete(key);
  }

  async slotsInUse(key: string): Promise<number> {
    return this.#slots.get(key) ?? 0;
  }

  async updateCounters(
    key: string,
    increments: Readonly<Record<string, number>>,
    set?: Readonly<Record<string, number>>,
  ): Promise<void> {
    let record = this.#records.get(key);
    if (record === undefined) {
      record = {};
      this.#records.set(key, record);
    }
    for (const field in increments) record[field] = (record[field] ?? 0) + increments[field]!;
    if (set !== undefined) Object.assign(record, set);
  }

  async readCounters(key: string): Promise<Record<string, number>> {
    return { ...this.#records.get(key) };
  }

  async close(): Promise<void> {
    this.#windows.clear();
    this.#slots.clear();
    this.#records.clear();
  }
}
