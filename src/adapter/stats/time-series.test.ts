import { describe, expect, it } from 'vitest';
import { SecondSeries } from './time-series.js';

const T0 = 1_700_000_000_000;

describe('per-second series', () => {
  it('sums requests and errors and averages latency within each second', () => {
    const s = new SecondSeries(10);
    s.record(T0, 100, false);
    s.record(T0 + 500, 300, true);
    s.record(T0 + 1000, 50, false);
    const snap = s.snapshot(T0 + 1000, 3);
    expect(snap.start).toBe(T0 / 1000 - 1);
    expect(snap.requests).toEqual([0, 2, 1]);
    expect(snap.errors).toEqual([0, 1, 0]);
    expect(snap.avg_latency_ms).toEqual([0, 200, 50]);
    expect(snap.max_latency_ms).toEqual([0, 300, 50]);
  });

  it('forgets seconds older than its window', () => {
    const s = new SecondSeries(5);
    s.record(T0, 10, false);
    const later = T0 + 5_000;
    s.record(later, 20, false);
    const snap = s.snapshot(later);
    expect(snap.requests).toEqual([0, 0, 0, 0, 1]);
    expect(snap.requests.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
