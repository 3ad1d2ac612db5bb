import { describe, expect, it } from 'vitest';
import { LatencyReservoir } from './reservoir.js';

describe('latency reservoir', () => {
  it('gives exact nearest-rank percentiles while the sample holds every value', () => {
    const r = new LatencyReservoir(100);
    for (let v = 100; v >= 1; v--) r.add(v);
    expect(r.percentiles()).toEqual({ p50: 51, p95: 96, p99: 100 });
    expect(r.count).toBe(100);
  });

  it('answers zeros when empty', () => {
    expect(new LatencyReservoir().percentiles()).toEqual({ p50: 0, p95: 0, p99: 0 });
  });

  it('keeps only its capacity however many values arrive', () => {
    const r = new LatencyReservoir(10, () => 0.999);
    for (let v = 0; v < 10_000; v++) r.add(v < 10 ? 1 : 1000);
    // A random draw near 1 never lands in the sample after it is full: the first ten stay.
    expect(r.percentiles()).toEqual({ p50: 1, p95: 1, p99: 1 });
    expect(r.count).toBe(10_000);
  });
});
