import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import type { RequestPriority } from '../../core/domain/routing.js';
import { CapacityExceededError } from '../../core/errors.js';
import { RoundRobinBalancer } from '../balancer/round-robin.js';
import { QueueStats } from '../stats/queue-stats.js';
import { AdmissionQueue, LeftQueueError } from './admission-queue.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';

const a = fakeEndpoint({ name: 'a' });
const b = fakeEndpoint({ name: 'b' });

function rig(limits: Record<string, number>, queue = { enabled: true, maxSize: 10, maxWait: 5000 }) {
  const limiter = new ConcurrencyLimiter(new RoundRobinBalancer(), (name) => limits[name] ?? 0);
  const stats = new QueueStats();
  return { limiter, stats, queue: new AdmissionQueue(limiter, queue, stats) };
}

/** What the engine does on admission: select and acquire at once. */
function take(limiter: ConcurrencyLimiter, candidates = [a]) {
  const chosen = limiter.select(candidates);
  if (chosen === undefined) throw new Error('admitted without a free slot');
  limiter.acquire(chosen);
  return chosen;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  it('only offers endpoints with a free slot, and none once all are full', () => {
    const { limiter } = rig({ a: 1, b: 2 });
    take(limiter, [a]);
    expect(limiter.select([a, b])?.name).toBe('b');
    take(limiter, [b]);
    take(limiter, [b]);
    expect(limiter.select([a, b])).toBeUndefined();
    limiter.release(b);
    expect(limiter.select([a, b])?.name).toBe('b');
  });

  it('treats a limit of 0 as unlimited', () => {
    const { limiter } = rig({ a: 0 });
    for (let i = 0; i < 50; i++) take(limiter);
    expect(limiter.inFlight('a')).toBe(50);
  });
});

describe('AdmissionQueue', () => {
  it('starts a waiting request when a config reload raises the limit', async () => {
    const limits: Record<string, number> = { a: 1 };
    const { limiter, queue } = rig(limits);
    take(limiter);
    let started = false;
    const waiting = queue.admit([a], 'm', undefined, new EventEmitter(), () => {
      take(limiter);
      started = true;
    });
    await settle();
    expect(started).toBe(false);
    limits.a = 2;
    limiter.slotsChanged();
    await waiting;
    expect(started).toBe(true);
    expect(limiter.inFlight('a')).toBe(2);
  });

  it('starts at once while a slot is free, and never lets more than the limit in', async () => {
    const { limiter, queue } = rig({ a: 2 });
    let peak = 0;
    const run = () => {
      const endpoint = take(limiter);
      peak = Math.max(peak, limiter.inFlight('a'));
      setTimeout(() => limiter.release(endpoint), 5);
    };
    const client = new EventEmitter();
    await Promise.all(Array.from({ length: 8 }, () => queue.admit([a], 'm', undefined, client, run)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(peak).toBe(2);
    expect(limiter.inFlight('a')).toBe(0);
  });

  it('serves waiters by priority, then arrival, whatever the order they came in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<RequestPriority>('high', 'normal', 'low'), { maxLength: 8 }),
        async (priorities) => {
          const { limiter, queue } = rig({ a: 1 });
          const holder = take(limiter);
          const served: number[] = [];
          const client = new EventEmitter();
          const waits = priorities.map((priority, i) =>
            queue.admit([a], 'm', priority, client, () => {
              served.push(i);
              const endpoint = take(limiter);
              setImmediate(() => limiter.release(endpoint));
            }),
          );
          limiter.release(holder);
          await Promise.all(waits);
          const rank = { high: 0, normal: 1, low: 2 };
          const expected = priorities.map((p, i) => [rank[p], i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          expect(served).toEqual(expected.map(([, i]) => i));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses past max_wait with Retry-After, and counts it', async () => {
    const { limiter, queue, stats } = rig({ a: 1 }, { enabled: true, maxSize: 10, maxWait: 30 });
    take(limiter);
    const refused = queue.admit([a], 'm', undefined, new EventEmitter(), () => take(limiter));
    await expect(refused).rejects.toBeInstanceOf(CapacityExceededError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 1, status: 503 });
    expect(stats.rejections.timeout).toBe(1);
    expect(queue.depth).toBe(0);
  });

  it('frees the place of a client that leaves while waiting', async () => {
    const { limiter, queue } = rig({ a: 1 });
    const holder = take(limiter);
    const leaving = new EventEmitter();
    const left = queue.admit([a], 'm', undefined, leaving, () => take(limiter));
    const staying = queue.admit([a], 'm', undefined, new EventEmitter(), () => take(limiter));
    expect(queue.depth).toBe(2);
    leaving.emit('close');
    await expect(left).rejects.toBeInstanceOf(LeftQueueError);
    expect(queue.depth).toBe(1);
    limiter.release(holder);
    await expect(staying).resolves.toBe(a);
  });

  it('keeps groups apart: a full model does not hold back another model on a free node', async () => {
    const { limiter, queue } = rig({ a: 1, b: 1 });
    take(limiter, [a]);
    const waitingForA = queue.admit([a], 'big', undefined, new EventEmitter(), () => take(limiter, [a]));
    const onB = await queue.admit([b], 'small', undefined, new EventEmitter(), () => take(limiter, [b]));
    expect(onB).toBe(b);
    expect(queue.depthOf('big')).toBe(1);
    limiter.release(a);
    await settle();
    await expect(waitingForA).resolves.toBe(a);
  });

  it('refuses at once when full or disabled', () => {
    const full = rig({ a: 1 }, { enabled: true, maxSize: 0, maxWait: 1000 });
    take(full.limiter);
    expect(() => full.queue.admit([a], 'm', undefined, new EventEmitter(), () => 0)).toThrow(/queue is full/);
    const off = rig({ a: 1 }, { enabled: false, maxSize: 10, maxWait: 1000 });
    take(off.limiter);
    expect(() => off.queue.admit([a], 'm', undefined, new EventEmitter(), () => 0)).toThrow(/disabled/);
    expect(off.stats.rejections.disabled).toBe(1);
  });
});
