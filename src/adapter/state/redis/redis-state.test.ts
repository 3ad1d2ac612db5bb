import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRedis, startRedis } from '../../../../test/helpers/redis.js';
import { createLogger } from '../../../logger/logger.js';
import { MemoryEjectionStore } from '../../outlier/memory-ejection-store.js';
import { MemoryResponseStore } from '../../translator/responses/memory-store.js';
import { RedisRateBuckets } from './redis-rate-buckets.js';
import { RedisStickyPins } from './redis-sticky-pins.js';
import { ReplicatedEjectionStore, ReplicatedResponseStore } from './replicated.js';
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

  it('replicates ejections and stored conversations to the other instance, not back to itself', async () => {
    const ejectionsA = new ReplicatedEjectionStore(new MemoryEjectionStore(), a);
    const ejectionsB = new ReplicatedEjectionStore(new MemoryEjectionStore(), b);
    const responsesA = new ReplicatedResponseStore(new MemoryResponseStore({ maxEntries: 10, ttlMs: 60_000 }), a);
    const responsesB = new ReplicatedResponseStore(new MemoryResponseStore({ maxEntries: 10, ttlMs: 60_000 }), b);
    // Subscriptions take a moment to reach the server.
    await new Promise((r) => setTimeout(r, 150));
    const ejection = {
      endpoint: 'gpu-1',
      since: 1,
      until: Date.now() + 30_000,
      reason: '5 consecutive 5xx',
      count: 1,
      awaitingTrial: true,
    };
    ejectionsA.set(ejection);
    responsesB.put('resp_1', [{ role: 'user', content: 'hi' }]);
    const end = Date.now() + 3_000;
    while ((ejectionsB.get('gpu-1') === undefined || responsesA.get('resp_1') === undefined) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    expect(ejectionsB.get('gpu-1')).toEqual(ejection);
    expect(responsesA.get('resp_1')).toEqual([{ role: 'user', content: 'hi' }]);
    expect(ejectionsA.get('gpu-1')).toEqual(ejection);
  });
});
