import { describe, expect, it } from 'vitest';
import { percentile, spreadOf } from './stats.js';

describe('percentile', () => {
  it('takes the nearest rank, so p50 of 1..100 is 50 and p99 is 99', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile(sorted, 1)).toBe(100);
  });

  it('is NaN without samples', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('spreadOf', () => {
  it('sorts numerically before ranking', () => {
    expect(spreadOf([10, 9, 100, 2])).toEqual({ p50: 9, p99: 100, max: 100 });
  });
});
