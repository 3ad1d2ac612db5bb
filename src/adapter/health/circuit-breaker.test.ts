import { describe, expect, it } from 'vitest';
import {
  BREAKER_CLOSED,
  BREAKER_FAILURE_THRESHOLD,
  BREAKER_OPEN_DURATION_MS,
  BREAKER_REJECTED,
  CircuitBreakerRegistry,
} from './circuit-breaker.js';

const STALENESS = 5000;

function registry() {
  const clock = { now: 1_000_000 };
  const breakers = new CircuitBreakerRegistry({ now: () => clock.now });
  return { breakers, clock };
}

function trip(breakers: CircuitBreakerRegistry, name = 'a') {
  for (let i = 0; i < BREAKER_FAILURE_THRESHOLD; i++) breakers.recordFailure(name);
}

describe('CircuitBreakerRegistry', () => {
  it('lets requests through to an endpoint that never failed', () => {
    const { breakers } = registry();
    expect(breakers.isOpen('a')).toBe(false);
    expect(breakers.admit('a')).toBe(BREAKER_CLOSED);
    expect(breakers.state('a')).toBe('closed');
  });

  it('opens after three consecutive failures and not before', () => {
    const { breakers } = registry();
    breakers.recordFailure('a');
    breakers.recordFailure('a');
    expect(breakers.isOpen('a')).toBe(false);
    breakers.recordFailure('a');
    expect(breakers.isOpen('a')).toBe(true);
    expect(breakers.state('a')).toBe('open');
  });

  it('forgets earlier failures after a success', () => {
    const { breakers } = registry();
    breakers.recordFailure('a');
    breakers.recordFailure('a');
    breakers.recordSuccess('a');
    breakers.recordFailure('a');
    breakers.recordFailure('a');
    expect(breakers.state('a')).toBe('closed');
  });

  it('keeps endpoints apart', () => {
    const { breakers } = registry();
    trip(breakers, 'a');
    expect(breakers.isOpen('b')).toBe(false);
  });

  it('stays open for thirty seconds, then admits exactly one trial', () => {
    const { breakers, clock } = registry();
    trip(breakers);
    clock.now += BREAKER_OPEN_DURATION_MS - 1;
    expect(breakers.isOpen('a')).toBe(true);
    clock.now += 1;
    expect(breakers.admit('a', STALENESS)).toBeGreaterThan(0);
    expect(breakers.state('a')).toBe('half-open');
    expect(breakers.admit('a', STALENESS)).toBe(BREAKER_REJECTED);
  });

  it('closes when the trial succeeds', () => {
    const { breakers, clock } = registry();
    trip(breakers);
    clock.now += BREAKER_OPEN_DURATION_MS;
    breakers.recordSuccess('a', breakers.admit('a', STALENESS));
    expect(breakers.state('a')).toBe('closed');
    expect(breakers.isOpen('a')).toBe(false);
    expect(breakers.isOpen('a')).toBe(false);
  });

  it('re-opens for another thirty seconds when the trial fails', () => {
    const { breakers, clock } = registry();
    trip(breakers);
    clock.now += BREAKER_OPEN_DURATION_MS;
    breakers.recordFailure('a', breakers.admit('a', STALENESS));
    expect(breakers.state('a')).toBe('open');
    clock.now += BREAKER_OPEN_DURATION_MS - 1;
    expect(breakers.isOpen('a')).toBe(true);
  });

  it('hands the trial to a new caller once the old one has hung past the staleness window', () => {
    const { breakers, clock } = registry();
    trip(breakers);
    clock.now += BREAKER_OPEN_DURATION_MS;
    const hung = breakers.admit('a', STALENESS);
    clock.now += STALENESS;
    const replacement = breakers.admit('a', STALENESS);
    expect(replacement).toBeGreaterThan(0);
    expect(replacement).not.toBe(hung);
  });

  it('ignores the late result of a superseded trial', () => {
    const { breakers, clock } = registry();
    trip(breakers);
    clock.now += BREAKER_OPEN_DURATION_MS;
    const hung = breakers.admit('a', STALENESS);
    clock.now += STALENESS;
    const replacement = breakers.admit('a', STALENESS);
    breakers.recordSuccess('a', replacement);
    breakers.recordFailure('a', hung);
    expect(breakers.state('a')).toBe('closed');
  });

  it('reports its state without admitting a trial', () => {
    const { breakers, clock } = registry();
    trip(breakers);
    clock.now += BREAKER_OPEN_DURATION_MS;
    expect(breakers.state('a')).toBe('open');
    expect(breakers.admit('a', STALENESS)).toBeGreaterThan(0);
  });

  it('tells listeners each time a breaker trips, not on every failure', () => {
    const { breakers, clock } = registry();
    const opened: string[] = [];
    const unsubscribe = breakers.onOpen((name) => opened.push(name));
    trip(breakers);
    breakers.recordFailure('a');
    expect(opened).toEqual(['a']);
    clock.now += BREAKER_OPEN_DURATION_MS;
    breakers.recordFailure('a', breakers.admit('a', STALENESS));
    expect(opened).toEqual(['a', 'a']);
    unsubscribe();
    trip(breakers, 'b');
    expect(opened).toEqual(['a', 'a']);
  });

  it('honours a custom threshold', () => {
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 5 });
    trip(breakers);
    expect(breakers.state('a')).toBe('closed');
    breakers.recordFailure('a');
    breakers.recordFailure('a');
    expect(breakers.state('a')).toBe('open');
  });

  it('forgets a deleted endpoint', () => {
    const { breakers } = registry();
    trip(breakers);
    breakers.delete('a');
    expect(breakers.state('a')).toBe('closed');
  });
});

describe('peeking at a half-open breaker (the double-isOpen bug)', () => {
  it('wouldAdmit claims nothing, so the trial goes to the caller that then admits', () => {
    let now = 0;
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 1, openDurationMs: 1000, now: () => now });
    breakers.recordFailure('a');
    now += 1000;
    // A router filters every candidate, then sends to the one it picked.
    expect(breakers.wouldAdmit('a')).toBe(true);
    expect(breakers.wouldAdmit('a')).toBe(true);
    const token = breakers.admit('a');
    expect(token).toBeGreaterThan(0);
    // The one trial is now out: nobody else gets through until it lands.
    expect(breakers.wouldAdmit('a')).toBe(false);
    breakers.recordSuccess('a', token);
    expect(breakers.state('a')).toBe('closed');
  });

  it('asking isOpen twice refuses the trial it just granted, which is why routing peeks instead', () => {
    let now = 0;
    const breakers = new CircuitBreakerRegistry({ failureThreshold: 1, openDurationMs: 1000, now: () => now });
    breakers.recordFailure('a');
    now += 1000;
    expect(breakers.isOpen('a')).toBe(false);
    expect(breakers.isOpen('a')).toBe(true);
  });
});
