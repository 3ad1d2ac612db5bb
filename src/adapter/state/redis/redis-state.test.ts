import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRedis, startRedis } from '../../../../test/helpers/redis.js';
import { createLogger } from '../../../logger/logger.js';
import { RedisRateBuckets } from './redis-rate-buckets.js';
import { RedisStickyPins } from './redis-sticky-pins.js';
import { SharedConnection } from './shared-connection.js';

const quiet = createLogger(
  { level: 'error', format: 'json' },
  { destination: new Writable({ write: (_c, _e, cb) => cb() }) },
);

describe('shared state on a real redis-server', () => {
  let redis: RunningRedis;
  let a: SharedConnection;
  let b: SharedConnection;
  beforeAll(async () => {
    redis = await startRedis();
    // Two connections stand for two Olla instances sharing one store.
    a = new SharedConnection({ url: redis.url, keyPrefix: 'test:', tls: false, commandTimeoutMs: 500, logger: quiet });
    b = new SharedConnection({ url: redis.url, keyPrefix: 'test:', tls: false, commandTimeoutMs: 500, logger: quiet });
    await Promise.all([a.start(), b.start()]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });

  it('a pin written through one instance is read through another, and its idle TTL slides', async () => {
    const pinsA = new RedisStickyPins(a, 300);
    const pinsB = new RedisStickyPins(b, 300);
    expect(await pinsB.fetch('conv-1')).toBeNull();
    pinsA.pin('conv-1', 'gpu-2');
    await new Promise((r) => setTimeout(r, 20));
    expect(await pinsB.fetch('conv-1')).toBe('gpu-2');
    // Each read slides the TTL, so a live conversation never expires.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 150));
      expect(await pinsA.fetch('conv-1')).toBe('gpu-2');
    }
    await new Promise((r) => setTimeout(r, 450));
    expect(await pinsB.fetch('conv-1')).toBeNull();
  });

  it('a per-client limit is shared: 20 a minute admits 20 across two instances', async () => {
    const limits = { globalPerMinute: 0, clientPerMinute: 20, burst: 20, windowMs: 60_000, idleMs: 600_000 };
    const bucketsA = new RedisRateBuckets(a);
    const bucketsB = new RedisRateBuckets(b);
    const verdicts = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? bucketsA : bucketsB).take('10.0.0.9', limits)),
    );
    const admitted = verdicts.filter((v) => v?.refusedBy === 'none');
    expect(admitted).toHaveLength(20);
    const refused = verdicts.filter((v) => v?.refusedBy === 'client');
    expect(refused).toHaveLength(20);
    // About 3 s until the next token at 20 a minute.
    for (const v of refused) expect(v?.waitMs).toBeGreaterThan(2_000);
    expect(Math.max(...verdicts.map((v) => v?.used ?? 0))).toBe(20);
  });

  it('the global bucket refuses before any client bucket is charged', async () => {
    const limits = { globalPerMinute: 60, clientPerMinute: 1000, burst: 3, windowMs: 60_000, idleMs: 600_000 };
    const buckets = new RedisRateBuckets(a);
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await buckets.take(`c${i}`, limits));
    expect(verdicts.map((v) => v?.refusedBy)).toEqual(['none', 'none', 'none', 'global', 'global']);
  });

  it('burst 0 never admits, as the local bucket', async () => {
    const buckets = new RedisRateBuckets(a);
    const verdict = await buckets.take('z', {
      globalPerMinute: 0,
      clientPerMinute: 10,
      burst: 0,
      windowMs: 60_000,
      idleMs: 1_000,
    });
    expect(verdict).toMatchObject({ refusedBy: 'client', waitMs: Number.POSITIVE_INFINITY });
  });
});
