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
  readonly #windows = new Map<string, WindowCounter>();
  readonly #slots = new Map<string, number>();
  readonly #records = new Map<string, Record<string, number>>();

  async addToWindow(key: string, amount: number, windowMs: number, now: number): Promise<WindowUse> {
    const start = windowStart(now, windowMs);
    const id = `${key}:${windowMs}`;
    let counter = this.#windows.get(id);
    if (counter === undefined || counter.start !== start) {
      counter = { start, used: 0 };
      this.#windows.set(id, counter);
    }
    counter.used += amount;
    return { used: counter.used, resetAt: start + windowMs };
  }

  async windowUse(key: string, windowMs: number, now: number): Promise<WindowUse> {
    const start = windowStart(now, windowMs);
    const counter = this.#windows.get(`${key}:${windowMs}`);
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
