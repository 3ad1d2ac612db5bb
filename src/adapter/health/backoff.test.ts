import { describe, expect, it } from 'vitest';
import { MAX_BACKOFF_MS, MAX_BACKOFF_MULTIPLIER, nextBackoff, probeRetryDelayMs } from './backoff.js';

describe('nextBackoff', () => {
  it('resets to the normal interval and a multiplier of 1 after a success', () => {
    expect(nextBackoff(5000, 8, true)).toEqual({ intervalMs: 5000, multiplier: 1 });
  });

  it('keeps the normal interval on the first failure but arms a multiplier of 2', () => {
    expect(nextBackoff(5000, 1, false)).toEqual({ intervalMs: 5000, multiplier: 2 });
  });

  it('grows 5s, 10s, 20s, then stays at 4 intervals with a multiplier of 4', () => {
    const intervals: number[] = [];
    const multipliers: number[] = [];
    let multiplier = 1;
    for (let failure = 0; failure < 7; failure++) {
      const step = nextBackoff(5000, multiplier, false);
      intervals.push(step.intervalMs);
      multipliers.push(step.multiplier);
      multiplier = step.multiplier;
    }
    expect(intervals).toEqual([5000, 10_000, 20_000, 20_000, 20_000, 20_000, 20_000]);
    expect(multipliers).toEqual([2, 4, 4, 4, 4, 4, 4]);
    expect(MAX_BACKOFF_MULTIPLIER).toBe(4);
  });

  it('re-checks within 4 intervals and never later than 30 s, however many probes failed', () => {
    for (const interval of [1000, 2000, 5000, 10_000, 29_000]) {
      let multiplier = 1;
      for (let failure = 0; failure < 20; failure++) {
        const step = nextBackoff(interval, multiplier, false);
        expect(step.intervalMs).toBeLessThanOrEqual(Math.min(4 * interval, MAX_BACKOFF_MS));
        multiplier = step.multiplier;
      }
    }
    expect(nextBackoff(10_000, 4, false).intervalMs).toBe(MAX_BACKOFF_MS);
  });

  it('keeps an interval configured above the cap rather than checking a failing node more often', () => {
    expect(nextBackoff(45_000, 4, false).intervalMs).toBe(45_000);
  });

  it('treats a multiplier stored by an older, larger cap as the new cap', () => {
    expect(nextBackoff(1000, 12, false)).toEqual({ intervalMs: 4000, multiplier: 4 });
  });
});

describe('probeRetryDelayMs', () => {
  it('doubles from 100 ms and stays within the 25 % jitter spread', () => {
    expect(probeRetryDelayMs(1, () => 0.5)).toBe(100);
    expect(probeRetryDelayMs(2, () => 0.5)).toBe(200);
    expect(probeRetryDelayMs(1, () => 0)).toBe(87.5);
    expect(probeRetryDelayMs(1, () => 1)).toBe(112.5);
  });

  it('never waits longer than 2 s before jitter', () => {
    expect(probeRetryDelayMs(10, () => 0.5)).toBe(2000);
  });

  it('does not wait before the first attempt', () => {
    expect(probeRetryDelayMs(0)).toBe(0);
  });
});
