/**
 * The rate limiter's token buckets on the shared store, so a per-IP limit of 20 a minute is 20
 * across every instance, not 20 each. One Lua script takes from the global bucket and then the
 * client's bucket atomically, in one round trip, with the same golang.org/x/time/rate semantics as
 * the local `TokenBucket` and the server's clock (instances' clocks may disagree).
 */
import type { BucketLimits, SharedRateBuckets, SharedTake } from '../../../core/ports/shared-state.js';
import type { SharedConnection } from './shared-connection.js';

// KEYS[1] global bucket, KEYS[2] client bucket. ARGV: global rate/min (0: no global limit),
// client rate/min, burst, window ms, idle ms.
// Returns { refusedBy (0 none, 1 global, 2 client), wait ms, used in window, window start ms }.
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst = tonumber(ARGV[3])
local function take(key, perMinute)
  local perMs = perMinute / 60000
  local state = redis.call('HMGET', key, 'tokens', 'last')
  local tokens = tonumber(state[1]) or burst
  local last = tonumber(state[2]) or now
  if now > last then
    tokens = math.min(burst, tokens + (now - last) * perMs)
    last = now
  end
  if tokens >= 1 then
    redis.call('HSET', key, 'tokens', tostring(tokens - 1), 'last', last)
    return 0
  end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'last', last)
  return math.ceil((1 - tokens) / perMs)
end
if burst <= 0 then return { 2, -1, 0, now } end
if tonumber(ARGV[1]) > 0 then
  local wait = take(KEYS[1], tonumber(ARGV[1]))
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  if wait > 0 then return { 1, wait, 0, now } end
end
local client = KEYS[2]
local window = redis.call('HMGET', client, 'window', 'used')
local windowStart = tonumber(window[1]) or now
local used = tonumber(window[2]) or 0
if now - windowStart >= tonumber(ARGV[4]) then
  windowStart = now
  used = 0
end
local wait = take(client, tonumber(ARGV[2]))
if wait == 0 then used = used + 1 end
redis.call('HSET', client, 'window', windowStart, 'used', used)
redis.call('PEXPIRE', client, ARGV[5])
if wait > 0 then return { 2, wait, used, windowStart } end
return { 0, 0, used, windowStart }
`;

const REFUSED_BY = ['none', 'global', 'client'] as const;

export class RedisRateBuckets implements SharedRateBuckets {
  readonly #connection: SharedConnection;

  constructor(connection: SharedConnection) {
    this.#connection = connection;
    connection.client.defineCommand('ollaRateTake', { numberOfKeys: 2, lua: TAKE_SCRIPT });
  }

  /** One request from `clientKey`; `undefined` when the store cannot answer in time (use local). */
  async take(clientKey: string, limits: BucketLimits): Promise<SharedTake | undefined> {
    const reply = await this.#connection.call((client) =>
      (
        client as unknown as {
          ollaRateTake(...args: (string | number)[]): Promise<[number, number, number, number]>;
        }
      ).ollaRateTake(
        'rate:global',
        `rate:client:${clientKey}`,
        limits.globalPerMinute,
        limits.clientPerMinute,
        limits.burst,
        limits.windowMs,
        limits.idleMs,
      ),
    );
    if (reply === undefined) return undefined;
    const [code, wait, used] = reply;
    return { refusedBy: REFUSED_BY[code] ?? 'client', waitMs: wait < 0 ? Number.POSITIVE_INFINITY : wait, used };
  }
}
