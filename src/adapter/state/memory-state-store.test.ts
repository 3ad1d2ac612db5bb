import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from './memory-state-store.js';
import { describeStateStoreContract } from './state-store.contract.js';

describeStateStoreContract('memory', () => new MemoryStateStore());

describe('MemoryStateStore.sync', () => {
  const MINUTE = 60_000;
  const T0 = Date.UTC(2026, 0, 1, 12, 0, 29);

  it('answers at once from the same state as the async operations', async () => {
    const s = new MemoryStateStore();
    const now = s.sync;
    expect(now.addToWindow('w', 2, MINUTE, T0)).toBe(2);
    expect((await s.addToWindow('w', 3, MINUTE, T0)).used).toBe(5);
    expect(now.windowUse('w', MINUTE, T0)).toBe(5);
    expect(now.windowUse('w', MINUTE, T0 + 31_000)).toBe(0);
    expect(now.acquireSlot('c', 1)).toBe(true);
    expect(await s.acquireSlot('c', 1)).toBe(false);
    now.releaseSlot('c');
    expect(await s.slotsInUse('c')).toBe(0);
    now.updateCounters('u', { requests: 1 }, { last_seen: 7 });
    expect(await s.readCounters('u')).toEqual({ requests: 1, last_seen: 7 });
  });
});
