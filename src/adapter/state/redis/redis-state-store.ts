/**
 * The client-key state (rate windows, concurrency slots, usage counters) on the shared store, so a
 * key's budget is one budget across every instance. Each operation is one atomic command or
 * script. While the store cannot answer, the same operation runs on the local store instead (fail
 * open: a lost store never refuses a request), and sharing resumes when it is back.
 */
import { type StateStore, type WindowUse, windowStart } from '../../../core/ports/state-store.js';
import type { SharedConnection } from './shared-connection.js';

// INCRBY then PEXPIRE for the rest of the window, as one step. The expiry is relative to the
// caller's clock (the window's end less its now), so instances and the store need not agree on time.
const ADD_TO_WINDOW = `
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return used
`;

/** Kept a little past the window's end, so a counter read at the boundary is still there. */
const WINDOW_GRACE_MS = 1_000;

// Take a slot unless all are taken. Slots of an instance that dies mid-request would leak, so the
// key idles out after ARGV[2] ms without a new grant.
const ACQUIRE_SLOT = `
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
if taken >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const RELEASE_SLOT = `
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
if taken <= 1 then redis.call('DEL', KEYS[1]) else redis.call('DECR', KEYS[1]) end
return 0
`;

/** Long enough for the longest stream; short enough that a crashed instance's slots come back. */
const SLOT_IDLE_MS = 15 * 60_000;

interface ScriptedClient {
  ollaAddToWindow(key: string, amount: number, ttlMs: number): Promise<number>;
  ollaAcquireSlot(key: string, max: number, idleMs: number): Promise<number>;
  ollaReleaseSlot(key: string): Promise<number>;
}

/** Which store granted a slot, so it is given back to the same one. */
type SlotOwner = 'shared' | 'local';

export class RedisStateStore implements StateStore {
  readonly #connection: SharedConnection;
  readonly #local: StateStore;
  readonly #slotOwners = new Map<string, SlotOwner[]>();
  /** Fields written with `set` (a time, say) merge by the latest value, not by adding. */
  readonly #setFields = new Set<string>();

  constructor(connection: SharedConnection, local: StateStore) {
    this.#connection = connection;
    this.#local = local;
    const client = connection.client;
    client.defineCommand('ollaAddToWindow', { numberOfKeys: 1, lua: ADD_TO_WINDOW });
    client.defineCommand('ollaAcquireSlot', { numberOfKeys: 1, lua: ACQUIRE_SLOT });
    client.defineCommand('ollaReleaseSlot', { numberOfKeys: 1, lua: RELEASE_SLOT });
  }

  get #scripts(): ScriptedClient {
    return this.#connection.client as unknown as ScriptedClient;
  }

  async addToWindow(key: string, amount: number, windowMs: number, now: number): Promise<WindowUse> {
    const start = windowStart(now, windowMs);
    const resetAt = start + windowMs;
    const used = await this.#connection.call(() =>
      this.#scripts.ollaAddToWindow(`win:${windowMs}:${start}:${key}`, amount, resetAt - now + WINDOW_GRACE_MS),
    );
    return used === undefined ? this.#local.addToWindow(key, amount, windowMs, now) : { used, resetAt };
  }

  async windowUse(key: string, windowMs: number, now: number): Promise<WindowUse> {
    const start = windowStart(now, windowMs);
    const value = await this.#connection.call((client) => client.get(`win:${windowMs}:${start}:${key}`));
    if (value === undefined) return this.#local.windowUse(key, windowMs, now);
    return { used: value === null ? 0 : Number(value), resetAt: start + windowMs };
  }

  async acquireSlot(key: string, max: number): Promise<boolean> {
    const granted = await this.#connection.call(() => this.#scripts.ollaAcquireSlot(`slot:${key}`, max, SLOT_IDLE_MS));
    const owner: SlotOwner = granted === undefined ? 'local' : 'shared';
    const ok = granted === undefined ? await this.#local.acquireSlot(key, max) : granted === 1;
    if (ok) {
      const owners = this.#slotOwners.get(key);
      if (owners === undefined) this.#slotOwners.set(key, [owner]);
      else owners.push(owner);
    }
    return ok;
  }

  async releaseSlot(key: string): Promise<void> {
    const owners = this.#slotOwners.get(key);
    const owner = owners?.pop() ?? 'shared';
    if (owners?.length === 0) this.#slotOwners.delete(key);
    if (owner === 'local') return this.#local.releaseSlot(key);
    // If the store is down now, its slot idles out there; nothing is owed locally.
    await this.#connection.call(() => this.#scripts.ollaReleaseSlot(`slot:${key}`));
  }

  async slotsInUse(key: string): Promise<number> {
    const value = await this.#connection.call((client) => client.get(`slot:${key}`));
    const local = await this.#local.slotsInUse(key);
    return value === undefined || value === null ? local : Number(value) + local;
  }

  async updateCounters(
    key: string,
    increments: Readonly<Record<string, number>>,
    set?: Readonly<Record<string, number>>,
  ): Promise<void> {
    if (set !== undefined) for (const field in set) this.#setFields.add(field);
    const done = await this.#connection.call((client) => {
      const batch = client.multi();
      for (const field in increments) batch.hincrby(`rec:${key}`, field, increments[field] ?? 0);
      if (set !== undefined && Object.keys(set).length > 0) batch.hset(`rec:${key}`, set);
      return batch.exec();
    });
    if (done === undefined || done === null) await this.#local.updateCounters(key, increments, set);
  }

  async readCounters(key: string): Promise<Record<string, number>> {
    const shared = await this.#connection.call((client) => client.hgetall(`rec:${key}`));
    const local = await this.#local.readCounters(key);
    if (shared === undefined) return local;
    // What was counted locally while the store was away is added in, so nothing goes missing.
    const merged: Record<string, number> = { ...local };
    for (const [field, text] of Object.entries(shared)) {
      const value = Number(text);
      const mine = merged[field];
      if (mine === undefined) merged[field] = value;
      else merged[field] = this.#setFields.has(field) ? Math.max(mine, value) : mine + value;
    }
    return merged;
  }

  async close(): Promise<void> {
    await this.#local.close();
  }
}
