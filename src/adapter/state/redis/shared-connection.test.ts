import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRedis, startRedis } from '../../../../test/helpers/redis.js';
import { createLogger } from '../../../logger/logger.js';
import { publicAddress, SharedConnection } from './shared-connection.js';

const quiet = createLogger(
  { level: 'error', format: 'json' },
  { destination: new Writable({ write: (_c, _e, cb) => cb() }) },
);

async function until(predicate: () => boolean, deadlineMs = 5_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('publicAddress', () => {
  it('drops credentials', () => {
    expect(publicAddress('redis://user:secret@host:6379/2')).toBe('redis://host:6379/2');
    expect(publicAddress('rediss://:pw@h:1')).toBe('rediss://h:1');
    expect(publicAddress('not a url')).toBe('(invalid url)');
  });
});

describe('SharedConnection against a real redis-server', () => {
  let redis: RunningRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('starts on local state when the store is unreachable, and connects once it is there', async () => {
    await redis.kill();
    const connection = new SharedConnection({
      url: redis.url,
      keyPrefix: 't1:',
      tls: false,
      commandTimeoutMs: 50,
      logger: quiet,
    });
    const started = Date.now();
    await connection.start();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(connection.up).toBe(false);
    expect(await connection.call((c) => c.ping())).toBeUndefined();
    await redis.restart();
    await until(() => connection.up);
    expect(await connection.call((c) => c.ping())).toBe('PONG');
    await connection.close();
  });

  it('answers undefined at once while the store is down and resumes when it is back', async () => {
    const connection = new SharedConnection({
      url: redis.url,
      keyPrefix: 't2:',
      tls: false,
      commandTimeoutMs: 50,
      logger: quiet,
    });
    const changes: boolean[] = [];
    connection.onChange((up) => changes.push(up));
    await connection.start();
    expect(connection.up).toBe(true);
    expect(await connection.call((c) => c.set('k', 'v'))).toBe('OK');
    expect(await redis.restart().then(() => true)).toBe(true);
    // The kill is seen; meanwhile every call answers without throwing.
    const during = await connection.call((c) => c.get('k'));
    expect(during === undefined || during === null).toBe(true);
    await until(() => changes.includes(false));
    await until(() => connection.up);
    expect(await connection.call((c) => c.get('k'))).toBeNull();
    expect(changes).toEqual([true, false, true]);
    expect(connection.status().lastError).toBeUndefined();
    await connection.close();
  });
});
