/**
 * The behaviour every `StateStore` adapter owes the client-key gate. Each adapter's test file
 * calls `describeStateStoreContract` with a factory (a Redis adapter would hand it a store on a
 * fresh key prefix), so a second adapter is held to exactly what the first one is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../core/ports/state-store.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** A time in the middle of a minute window, so `+ 30s` stays in it and `+ 31s` leaves it. */
const T0 = Date.UTC(2026, 0, 1, 12, 0, 29, 0);

export function describeStateStoreContract(adapter: string, create: () => StateStore | Promise<StateStore>): void {
  describe(`${adapter} state store contract`, () => {
    let store: StateStore;
    afterEach(async () => store?.close());
    const fresh = async () => {
      store = await create();
      return store;
    };

    it('adds within a window and reports the total and when the window ends', async () => {
      const s = await fresh();
      expect(await s.windowUse('rpm:a', MINUTE, T0)).toEqual({ used: 0, resetAt: Date.UTC(2026, 0, 1, 12, 1) });
      expect(await s.addToWindow('rpm:a', 1, MINUTE, T0)).toEqual({ used: 1, resetAt: Date.UTC(2026, 0, 1, 12, 1) });
      expect((await s.addToWindow('rpm:a', 5, MINUTE, T0 + 30_000)).used).toBe(6);
      expect((await s.windowUse('rpm:a', MINUTE, T0 + 30_000)).used).toBe(6);
    });

    it('starts a new window at the boundary, and keeps keys and window sizes apart', async () => {
      const s = await fresh();
      await s.addToWindow('tok:a', 100, MINUTE, T0);
      await s.addToWindow('tok:a', 7, DAY, T0);
      await s.addToWindow('tok:b', 3, MINUTE, T0);
      expect((await s.windowUse('tok:a', MINUTE, T0 + 31_000)).used).toBe(0);
      expect((await s.addToWindow('tok:a', 2, MINUTE, T0 + 31_000)).used).toBe(2);
      expect(await s.windowUse('tok:a', DAY, T0 + 31_000)).toEqual({ used: 7, resetAt: Date.UTC(2026, 0, 2) });
      expect((await s.windowUse('tok:b', MINUTE, T0)).used).toBe(3);
    });

    it('adding 0 reads without changing the count', async () => {
      const s = await fresh();
      await s.addToWindow('w', 4, MINUTE, T0);
      expect((await s.addToWindow('w', 0, MINUTE, T0)).used).toBe(4);
    });

    it('grants at most max slots at once, and a released slot can be taken again', async () => {
      const s = await fresh();
      const grants = await Promise.all([1, 2, 3, 4].map(() => s.acquireSlot('c:a', 2)));
      expect(grants.filter(Boolean)).toHaveLength(2);
      expect(await s.slotsInUse('c:a')).toBe(2);
      await s.releaseSlot('c:a');
      expect(await s.slotsInUse('c:a')).toBe(1);
      expect(await s.acquireSlot('c:a', 2)).toBe(true);
      expect(await s.acquireSlot('c:a', 2)).toBe(false);
      expect(await s.acquireSlot('c:b', 2)).toBe(true);
    });

    it('never counts slots below zero', async () => {
      const s = await fresh();
      await s.releaseSlot('c:x');
      expect(await s.slotsInUse('c:x')).toBe(0);
      expect(await s.acquireSlot('c:x', 1)).toBe(true);
      expect(await s.acquireSlot('c:x', 1)).toBe(false);
    });

    it('adds to and sets counters of a record, and reads them back as a copy', async () => {
      const s = await fresh();
      expect(await s.readCounters('u:a')).toEqual({});
      await s.updateCounters('u:a', { requests: 1, tokens_in: 10 }, { last_seen: 5 });
      await s.updateCounters('u:a', { requests: 1, tokens_out: 3 }, { last_seen: 9 });
      const read = await s.readCounters('u:a');
      expect(read).toEqual({ requests: 2, tokens_in: 10, tokens_out: 3, last_seen: 9 });
      read.requests = 99;
      expect((await s.readCounters('u:a')).requests).toBe(2);
      expect(await s.readCounters('u:b')).toEqual({});
    });
  });
}
