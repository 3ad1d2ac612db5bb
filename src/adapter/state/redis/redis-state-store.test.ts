import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRedis, startRedis } from '../../../../test/helpers/redis.js';
import type { StateStore } from '../../../core/ports/state-store.js';
import { createLogger } from '../../../logger/logger.js';
import { MemoryStateStore } from '../memory-state-store.js';
import { describeStateStoreContract } from '../state-store.contract.js';
import { RedisStateStore } from './redis-state-store.js';
import { SharedConnection } from './shared-connection.js';

const quiet = createLogger(
  { level: 'error', format: 'json' },
  { destination: new Writable({ write: (_c, _e, cb) => cb() }) },
);

let redis: RunningRedis;
let stores = 0;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

/** A store on a key prefix of its own, closing its connection with it. */
async function freshStore(): Promise<StateStore & { connection: SharedConnection }> {
  const connection = new SharedConnection({
    url: redis.url,
    keyPrefix: `contract-${++stores}:`,
    tls: false,
    commandTimeoutMs: 500,
    logger: quiet,
  });
  await connection.start();
  const store = new RedisStateStore(connection, new MemoryStateStore());
  return Object.assign(store, {
    connection,
    close: async () => {
      await RedisStateStore.prototype.close.call(store);
      await connection.close();
    },
  });
}

// The same behaviour the in-memory store owes the client-key gate.
describeStateStoreContract('redis', freshStore);

describe('redis state store across instances and faults', () => {
  it('spends one budget from two instances', async () => {
    const a = await freshStore();
    const b = new RedisStateStore(a.connection, new MemoryStateStore());
    const now = Date.UTC(2026, 0, 1, 12, 0, 10);
    await a.addToWindow('tok:ci', 700, 60_000, now);
    expect((await b.addToWindow('tok:ci', 400, 60_000, now)).used).toBe(1100);
    expect(await Promise.all([a.acquireSlot('c', 1), b.acquireSlot('c', 1)])).toEqual(
      expect.arrayContaining([true, false]),
    );
    await a.close();
  });

  it('answers from local state while the store is down, and keeps what it counted', async () => {
    const store = await freshStore();
    await store.updateCounters('u:k', { requests: 2 }, { last_seen: 10 });
    await redis.kill();
    const started = Date.now();
    await store.updateCounters('u:k', { requests: 1 }, { last_seen: 20 });
    expect((await store.addToWindow('rpm:k', 1, 60_000, Date.now())).used).toBe(1);
    expect(await store.acquireSlot('slot:k', 1)).toBe(true);
    await store.releaseSlot('slot:k');
    expect(Date.now() - started).toBeLessThan(1_000);
    await redis.restart();
    const end = Date.now() + 5_000;
    while (!store.connection.up && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(store.connection.up).toBe(true);
    // The restarted store is empty; what was counted locally meanwhile is still reported.
    expect(await store.readCounters('u:k')).toEqual({ requests: 1, last_seen: 20 });
    await store.close();
  });
});
