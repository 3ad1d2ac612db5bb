import { describe, expect, it } from 'vitest';
import { MemoryEjectionStore } from './memory-ejection-store.js';
import { OutlierDetector } from './outlier-detector.js';

function detector(othersRoutable = () => true) {
  const clock = { now: 1_000_000 };
  const ejected: string[] = [];
  const outliers = new OutlierDetector({
    consecutiveFailures: 5,
    baseEjectionMs: 30_000,
    maxEjectionMs: 300_000,
    store: new MemoryEjectionStore(),
    othersRoutable,
    onEject: (e) => ejected.push(e.reason),
    now: () => clock.now,
  });
  return { outliers, clock, ejected };
}

describe('OutlierDetector', () => {
  it('ejects after five consecutive failures, and a success in between resets the count', () => {
    const { outliers } = detector();
    for (let i = 0; i < 4; i++) outliers.recordFailure('a', 'HTTP 500');
    outliers.recordSuccess('a');
    for (let i = 0; i < 4; i++) outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.isEjected('a')).toBe(false);
    outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.isEjected('a')).toBe(true);
    expect(outliers.liveEjection('a')?.reason).toBe('5 consecutive failures, last: HTTP 500');
  });

  it('never ejects the last routable node', () => {
    const { outliers } = detector(() => false);
    for (let i = 0; i < 50; i++) outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.isEjected('a')).toBe(false);
  });

  it('ends on time; the trial request decides, and repeated ejections last longer up to the cap', () => {
    const { outliers, clock } = detector();
    for (let i = 0; i < 5; i++) outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.liveEjection('a')?.until).toBe(clock.now + 30_000);
    clock.now += 30_000;
    expect(outliers.isEjected('a')).toBe(false);
    // The first outcome after the ejection fails: out again at once, for twice as long.
    outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.liveEjection('a')).toMatchObject({ count: 2, until: clock.now + 60_000 });
    for (let n = 3; n <= 12; n++) {
      clock.now = outliers.liveEjection('a')!.until;
      outliers.recordFailure('a', 'HTTP 500');
    }
    expect(outliers.liveEjection('a')!.until - clock.now).toBe(300_000);
  });

  it('keeps a node in when its trial request succeeds', () => {
    const { outliers, clock } = detector();
    for (let i = 0; i < 5; i++) outliers.recordFailure('a', 'HTTP 500');
    clock.now += 30_000;
    outliers.recordSuccess('a');
    outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.isEjected('a')).toBe(false);
  });

  it('filters ejected candidates and hands back the same list when there are none', () => {
    const { outliers } = detector();
    const list = [{ name: 'a' }, { name: 'b' }];
    expect(outliers.withoutEjected(list)).toBe(list);
    for (let i = 0; i < 5; i++) outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.withoutEjected(list)).toEqual([{ name: 'b' }]);
  });
});
