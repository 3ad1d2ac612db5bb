import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitsConfig } from '../../config/types.js';
import { RateLimitedError } from '../../core/errors.js';
import { RateLimiter } from './rate-limit.js';

const BASE: RateLimitsConfig = {
  globalRequestsPerMinute: 0,
  perIpRequestsPerMinute: 60,
  healthRequestsPerMinute: 300,
  burstSize: 3,
  perEndpoint: { defaultRequestsPerMinute: 200 },
  cleanupInterval: 0,
  trustProxyHeaders: false,
  trustedProxyCidrs: [],
};

const limiters: RateLimiter[] = [];
afterEach(() => {
  for (const limiter of limiters.splice(0)) limiter.stop();
});

function setup(overrides: Partial<RateLimitsConfig> = {}) {
  let now = 1_700_000_000_000;
  const limiter = new RateLimiter({ ...BASE, ...overrides }, { now: () => now });
  limiters.push(limiter);
  return { limiter, advance: (ms: number) => (now += ms), now: () => now };
}

/** Checks and copies the reused verdict so a sequence of results can be compared. */
function check(limiter: RateLimiter, ip: string, health = false) {
  const { error, limit, remaining, reset } = limiter.check(ip, health);
  return { error, limit, remaining, reset };
}

describe('RateLimiter', () => {
  it('lets a client burst, then refuses with a Retry-After while another client is unaffected', () => {
    const { limiter } = setup();
    const burst = [1, 2, 3].map(() => check(limiter, '10.0.0.1'));
    expect(burst.map((v) => v.error)).toEqual([undefined, undefined, undefined]);
    expect(burst.map((v) => v.remaining)).toEqual([59, 58, 57]);
    const refused = check(limiter, '10.0.0.1');
    expect(refused.error).toBeInstanceOf(RateLimitedError);
    expect(refused.error?.status).toBe(429);
    // One token per second at 60/min: the next is a second away, so retry after 1 + 1 s.
    expect(refused.error?.retryAfterSeconds).toBe(2);
    expect(refused.remaining).toBe(57);
    expect(check(limiter, '10.0.0.2').error).toBeUndefined();
  });

  it('refills tokens as time passes', () => {
    const { limiter, advance } = setup();
    for (let i = 0; i < 3; i++) check(limiter, 'a');
    expect(check(limiter, 'a').error).toBeDefined();
    advance(999);
    expect(check(limiter, 'a').error).toBeDefined();
    advance(1);
    expect(check(limiter, 'a').error).toBeUndefined();
    expect(check(limiter, 'a').error).toBeDefined();
    advance(10_000);
    // Refill stops at the burst size.
    expect([1, 2, 3, 4].map(() => check(limiter, 'a').error === undefined)).toEqual([true, true, true, false]);
  });

  it('reports the limit and a reset one minute out, and restarts the remaining count each minute', () => {
    const { limiter, advance, now } = setup({ burstSize: 100 });
    const first = check(limiter, 'a');
    expect(first).toMatchObject({ limit: 60, remaining: 59, reset: Math.floor((now() + 60_000) / 1000) });
    check(limiter, 'a');
    advance(60_000);
    expect(check(limiter, 'a').remaining).toBe(59);
  });

  it('gives health checks their own limit and bucket', () => {
    const { limiter } = setup();
    for (let i = 0; i < 3; i++) check(limiter, 'a');
    expect(check(limiter, 'a').error).toBeDefined();
    const health = check(limiter, 'a', true);
    expect(health.error).toBeUndefined();
    expect(health.limit).toBe(300);
  });

  it('applies the global limit across clients and asks them to retry in a minute', () => {
    const { limiter } = setup({ globalRequestsPerMinute: 120, perIpRequestsPerMinute: 600, burstSize: 2 });
    expect(check(limiter, 'a').error).toBeUndefined();
    expect(check(limiter, 'b').error).toBeUndefined();
    const refused = check(limiter, 'c');
    expect(refused.error?.retryAfterSeconds).toBe(60);
    expect(refused).toMatchObject({ limit: 600, remaining: 0 });
  });

  it('allows everything, the global limit included, when the per-client limit is off', () => {
    const { limiter } = setup({ perIpRequestsPerMinute: 0, globalRequestsPerMinute: 1, burstSize: 1 });
    for (let i = 0; i < 10; i++)
      expect(check(limiter, 'a')).toMatchObject({ error: undefined, limit: 0, remaining: 0 });
  });

  it('refuses every request when the burst size is zero', () => {
    const { limiter } = setup({ burstSize: 0, perIpRequestsPerMinute: 30 });
    expect(check(limiter, 'a').error?.retryAfterSeconds).toBe(2);
  });

  it('sweeps out client buckets idle for ten minutes', () => {
    const { limiter, advance } = setup();
    check(limiter, 'old');
    advance(9 * 60_000);
    check(limiter, 'recent');
    advance(60_001);
    limiter.sweep();
    expect(limiter.trackedClients).toBe(1);
  });
});

describe('RateLimiter after a config reload', () => {
  it('applies the new limits at once, to a client that had run out too', () => {
    const { limiter } = setup();
    for (let i = 0; i < 3; i++) check(limiter, '10.0.0.1');
    expect(check(limiter, '10.0.0.1').error).toBeInstanceOf(RateLimitedError);
    limiter.reconfigure({ ...BASE, perIpRequestsPerMinute: 600, burstSize: 10 });
    const after = Array.from({ length: 10 }, () => check(limiter, '10.0.0.1'));
    expect(after.map((v) => v.error)).toEqual(Array(10).fill(undefined));
    expect(after[0]).toMatchObject({ limit: 600, remaining: 599 });
    limiter.reconfigure({ ...BASE, perIpRequestsPerMinute: 0 });
    expect(check(limiter, '10.0.0.1')).toMatchObject({ error: undefined, limit: 0 });
  });
});
