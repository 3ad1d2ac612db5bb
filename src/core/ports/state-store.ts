/**
 * Where client-key rate windows, concurrency slots and usage counters are kept. The rules (who
 * may call, how much) live in the client-key gate and only ever speak to this port, so a shared
 * store (Redis/Valkey, for several Olla instances) can replace the in-memory one without
 * touching them. Every operation maps onto one atomic command (or one MULTI) of such a store,
 * noted on each; all are async so a networked store fits, and none needs a read-modify-write.
 * A store held in this process also offers them synchronously (`sync`), so the request path
 * need not make a promise for an answer it already has.
 */

/** A fixed window's counter: windows are aligned to the epoch, so every instance agrees on them. */
export interface WindowUse {
  used: number;
  /** Epoch ms at which this window ends and its counter starts again from 0. */
  resetAt: number;
}

export interface StateStore {
  /**
   * Adds `amount` (0 or more) to `key`'s counter of the `windowMs` window holding `now` and
   * returns the new total. Redis: `INCRBY key:<window>` then `PEXPIREAT` at the window's end.
   */
  addToWindow(key: string, amount: number, windowMs: number, now: number): Promise<WindowUse>;
  /** The counter of that window, 0 when nothing was added. Redis: `GET key:<window>`. */
  windowUse(key: string, windowMs: number, now: number): Promise<WindowUse>;
  /**
   * Takes one of `max` slots of `key`, or none when all are taken. Redis: `INCR`, and `DECR`
   * back when the result is over `max` (a Lua script makes the pair one step).
   */
  acquireSlot(key: string, max: number): Promise<boolean>;
  /** Gives back a slot `acquireSlot` granted. Redis: `DECR` (never below 0). */
  releaseSlot(key: string): Promise<void>;
  /** Slots of `key` taken now. Redis: `GET`. */
  slotsInUse(key: string): Promise<number>;
  /**
   * Adds to named counters of a record and sets others outright (e.g. a last-seen time).
   * Redis: `HINCRBY` per increment and `HSET` for the rest, in one `MULTI`.
   */
  updateCounters(
    key: string,
    increments: Readonly<Record<string, number>>,
    set?: Readonly<Record<string, number>>,
  ): Promise<void>;
  /** Every counter of the record, {} when there is none. Redis: `HGETALL`. */
  readCounters(key: string): Promise<Record<string, number>>;
  close(): Promise<void>;
  /**
   * The same store answering at once, when it lives in this process; undefined for a networked
   * store. Its operations and the async ones act on the same state.
   */
  readonly sync?: SyncStateStore;
}

/**
 * The request path's operations of a `StateStore`, answered synchronously. A window answers its
 * count alone: it ends when `windowStart` says, so the request path builds no object for it.
 */
export interface SyncStateStore {
  addToWindow(key: string, amount: number, windowMs: number, now: number): number;
  windowUse(key: string, windowMs: number, now: number): number;
  acquireSlot(key: string, max: number): boolean;
  releaseSlot(key: string): void;
  updateCounters(
    key: string,
    increments: Readonly<Record<string, number>>,
    set?: Readonly<Record<string, number>>,
  ): void;
}

/** The start of the `windowMs` window holding `now`, aligned to the epoch (UTC days for a day). */
export function windowStart(now: number, windowMs: number): number {
  return now - (now % windowMs);
}

/** When the `windowMs` window holding `now` ends (and its counter starts again from 0). */
export function windowEnd(now: number, windowMs: number): number {
  return windowStart(now, windowMs) + windowMs;
}
