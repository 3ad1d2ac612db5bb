import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTLIER_DETECTION_DEFAULTS } from '../../config/outlier-schema.js';
import type { OutlierDetectionConfig } from '../../config/types.js';
import { MemoryEjectionStore } from './memory-ejection-store.js';
import { OutlierDetector } from './outlier-detector.js';

/** The defaults with the rate rule off, so each test exercises the rule it names. */
const RULES: OutlierDetectionConfig = { ...OUTLIER_DETECTION_DEFAULTS, failureRateThreshold: 0 };

function detector(othersRoutable = () => true, rules: (name: string) => OutlierDetectionConfig = () => RULES) {
  const clock = { now: 1_000_000 };
  const ejected: string[] = [];
  const outliers = new OutlierDetector({
    rules,
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

  it('ejects on the failure rate: 60 % failing, never five in a row, is out once the window holds 20 requests', () => {
    const { outliers, clock, ejected } = detector(undefined, () => ({ ...RULES, failureRateThreshold: 50 }));
    const run = (succeeds: readonly boolean[]) => {
      for (let sent = 0; sent < 100 && !outliers.isEjected('a'); sent++) {
        if (succeeds[sent % succeeds.length]) outliers.recordSuccess('a');
        else outliers.recordFailure('a', 'HTTP 500');
      }
    };
    run([false, true, false, true, true]); // 40 % fail: stays in
    expect(outliers.isEjected('a')).toBe(false);
    clock.now += 10_000; // the 40 % history slides out
    run([false, true, false, true, false]); // 60 % fail
    expect(outliers.isEjected('a')).toBe(true);
    expect(ejected).toEqual(['failure rate 60% (12 of 20 requests in 10s) at or over 50%, last: HTTP 500']);
  });

  it('lets failures older than the window slide out, and needs the minimum request volume', () => {
    const { outliers, clock } = detector(undefined, () => ({
      ...RULES,
      consecutiveFailures: 1000,
      failureRateThreshold: 50,
    }));
    for (let i = 0; i < 19; i++) outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.isEjected('a')).toBe(false); // 19 < 20 requests, however bad
    clock.now += 11_000;
    for (let i = 0; i < 19; i++) outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.isEjected('a')).toBe(false); // the first 19 slid out
    outliers.recordFailure('a', 'HTTP 500');
    expect(outliers.isEjected('a')).toBe(true);
  });

  it('honours an endpoint that has detection switched off, and a rate threshold of 0', () => {
    const { outliers } = detector(undefined, (name) =>
      name === 'flaky'
        ? { ...RULES, enabled: false }
        : { ...RULES, consecutiveFailures: 1000, failureRateThreshold: 0 },
    );
    for (let i = 0; i < 100; i++) {
      outliers.recordFailure('flaky', 'HTTP 500');
      outliers.recordFailure('b', 'HTTP 500');
    }
    expect(outliers.isEjected('flaky')).toBe(false);
    expect(outliers.isEjected('b')).toBe(false);
  });

  it('applies each endpoint its own thresholds', () => {
    const { outliers } = detector(undefined, (name) =>
      name === 'strict' ? { ...RULES, consecutiveFailures: 2 } : RULES,
    );
    outliers.recordFailure('strict', 'HTTP 500');
    outliers.recordFailure('strict', 'HTTP 500');
    outliers.recordFailure('lax', 'HTTP 500');
    outliers.recordFailure('lax', 'HTTP 500');
    expect(outliers.isEjected('strict')).toBe(true);
    expect(outliers.isEjected('lax')).toBe(false);
  });

  it('ejects on the rate exactly when a naive count over the window says so (property)', () => {
    const rules = { ...RULES, consecutiveFailures: 10_000, failureRateThreshold: 50, failureRateMinRequests: 5 };
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.nat({ max: 3_000 }), failed: fc.boolean() }), { maxLength: 80 }),
        (outcomes) => {
          const { outliers, clock } = detector(undefined, () => rules);
          const seen: { bucket: number; failed: boolean }[] = [];
          for (const { gap, failed } of outcomes) {
            clock.now += gap;
            const bucket = Math.floor(clock.now / 1_000); // 10 buckets of 1 s
            seen.push({ bucket, failed });
            const inWindow = seen.filter((o) => o.bucket > bucket - 10);
            const failures = inWindow.filter((o) => o.failed).length;
            const expected = failed && inWindow.length >= 5 && failures * 2 >= inWindow.length;
            if (failed) outliers.recordFailure('a', 'HTTP 500');
            else outliers.recordSuccess('a');
            expect(outliers.isEjected('a')).toBe(expected);
            if (expected) return;
          }
        },
      ),
    );
  });
});
