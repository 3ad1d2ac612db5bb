import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Deadline, ResponseDeadlines } from './response-deadlines.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** An item that notes when it was told, by the fake clock. */
function item(log: [string, number][], name: string) {
  return { expired: () => log.push([name, Date.now()]) };
}

describe('ResponseDeadlines', () => {
  it('tells each item once, when its own time is up, and never one removed before', () => {
    const log: [string, number][] = [];
    const deadlines = new ResponseDeadlines(100, Date.now);
    const start = Date.now();
    deadlines.add(item(log, 'a'));
    vi.advanceTimersByTime(30);
    const b = deadlines.add(item(log, 'b'));
    vi.advanceTimersByTime(30);
    deadlines.add(item(log, 'c'));
    deadlines.remove(b);
    vi.advanceTimersByTime(1000);
    expect(log).toEqual([
      ['a', start + 100],
      ['c', start + 160],
    ]);
    expect(deadlines.size).toBe(0);
  });

  it('keeps a single timer however many wait', () => {
    const deadlines = new ResponseDeadlines(60_000, Date.now);
    const handles = Array.from({ length: 1000 }, () => deadlines.add({ expired: () => {} }));
    expect(vi.getTimerCount()).toBe(1);
    for (const handle of handles) deadlines.remove(handle);
    expect(deadlines.size).toBe(0);
  });

  it('agrees with a timer per item for any interleaving of adds, removes and waits', () => {
    type Step = { kind: 'add' } | { kind: 'remove'; pick: number } | { kind: 'wait'; ms: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.constant({ kind: 'add' as const }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 80 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(step, { maxLength: 60 }), (ms, steps) => {
        vi.setSystemTime(0);
        vi.clearAllTimers();
        const deadlines = new ResponseDeadlines(ms, Date.now);
        const told = new Map<number, number>();
        const started = new Map<number, number>();
        const live = new Map<number, Deadline>();
        const removed = new Set<number>();
        let next = 0;
        for (const s of steps) {
          if (s.kind === 'add') {
            const id = next++;
            started.set(id, Date.now());
            live.set(
              id,
              deadlines.add({
                expired: () => {
                  expect(told.has(id)).toBe(false);
                  told.set(id, Date.now());
                },
              }),
            );
          } else if (s.kind === 'remove') {
            const ids = [...live.keys()];
            if (ids.length === 0) continue;
            const id = ids[s.pick % ids.length]!;
            deadlines.remove(live.get(id)!);
            live.delete(id);
            if (!told.has(id)) removed.add(id);
          } else vi.advanceTimersByTime(s.ms);
        }
        vi.advanceTimersByTime(ms + 1);
        for (let id = 0; id < next; id++) {
          // Told exactly when its time was up, unless it was removed first.
          if (removed.has(id)) expect(told.has(id)).toBe(false);
          else expect(told.get(id)).toBe(started.get(id)! + ms);
        }
        expect(deadlines.size).toBe(0);
      }),
    );
  });
});
