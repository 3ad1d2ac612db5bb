import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

describe('RetryBudget', () => {
  it('allows retries up to the percentage of recent requests', () => {
    const now = 0;
    const budget = new RetryBudget(20, 10_000, 2, () => now);
    for (let i = 0; i < 100; i++) budget.noteRequest(1);
    let granted = 0;
    while (budget.tryRetry()) granted++;
    expect(granted).toBe(20);
  });

  it('never allows fewer than one node’s worth of in-flight requests', () => {
    const budget = new RetryBudget(20, 10_000, 2, () => 0);
    for (let i = 1; i <= 16; i++) budget.noteRequest(i);
    let granted = 0;
    while (budget.tryRetry()) granted++;
    expect(granted).toBe(16);
  });

  it('always lets a lone request use its retries', () => {
    const budget = new RetryBudget(20, 10_000, 2, () => 0);
    budget.noteRequest(1);
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false]);
  });

  it('refills as the window slides on', () => {
    let now = 0;
    const budget = new RetryBudget(20, 10_000, 2, () => now);
    for (let i = 0; i < 10; i++) budget.noteRequest(1);
    while (budget.tryRetry());
    expect(budget.tryRetry()).toBe(false);
    now += 11_000;
    budget.noteRequest(1);
    expect(budget.tryRetry()).toBe(true);
  });

  it('stops retries in a total outage once the budget is spent', () => {
    const budget = new RetryBudget(20, 10_000, 2, () => 0);
    let retries = 0;
    for (let i = 0; i < 1000; i++) {
      budget.noteRequest(2);
      if (budget.tryRetry()) retries++;
      if (budget.tryRetry()) retries++;
    }
    expect(retries).toBeLessThanOrEqual(200);
  });

  it('keeps a reserve per second of the window, so low traffic keeps failing over', () => {
    const budget = new RetryBudget(20, 10_000, 2, () => 0, 10);
    for (let i = 0; i < 4; i++) budget.noteRequest(1);
    let granted = 0;
    while (budget.tryRetry()) granted++;
    // 10 a second over a 10 s window; 20 % of 4 requests would have allowed 2.
    expect(granted).toBe(100);
  });
});
