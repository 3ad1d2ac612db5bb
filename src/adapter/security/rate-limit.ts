import type { RateLimitsConfig } from '../../config/types.js';
import { RateLimitedError } from '../../core/errors.js';
import type { SharedRateBuckets } from '../../core/ports/shared-state.js';
import { TokenBucket } from './token-bucket.js';

/**
 * The original's request rate limiter: one global bucket shared by every client, then one bucket
 * per client IP (health checks get their own, more generous, bucket per IP). Buckets refill at the
 * configured requests per minute and hold up to `burst_size`. `X-RateLimit-Remaining` counts down
 * within a fixed one-minute window per client, as the original reports it.
 */

const WINDOW_MS = 60_000;
/** Per-client buckets untouched this long are dropped by the periodic sweep. */
const IDLE_BUCKET_MS = 10 * 60_000;

class ClientBucket {
  readonly bucket: TokenBucket;
  lastAccess: number;
  windowStart: number;
  used = 0;

  constructor(limit: number, burst: number, now: number) {
    this.bucket = new TokenBucket(limit, burst, now);
    this.lastAccess = now;
    this.windowStart = now;
  }
}

/**
 * The verdict on one request, and the values of its X-RateLimit-* headers. One instance is reused
 * for every check, so read it before the next check.
 */
export interface RateLimitVerdict {
  /** Set when the request must be refused with 429. */
  error: RateLimitedError | undefined;
  limit: number;
  remaining: number;
  /** Unix seconds when the current window resets. */
  reset: number;
}

export interface RateLimiterOptions {
  /** Epoch-millisecond clock, injectable for tests. */
  now?: () => number;
  /** Buckets shared with other instances; every check is local when absent. */
  shared?: SharedRateBuckets;
}

export class RateLimiter {
  #perIpLimit = 0;
  #healthLimit = 0;
  #burst = 0;
  #global: TokenBucket | undefined;
  readonly #clients = new Map<string, ClientBucket>();
  readonly #now: () => number;
  readonly #verdict: RateLimitVerdict = { error: undefined, limit: 0, remaining: 0, reset: 0 };
  readonly #shared: SharedRateBuckets | undefined;
  #globalLimit = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(config: RateLimitsConfig, options: RateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#shared = options.shared;
    this.reconfigure(config);
  }

  /**
   * New limits (a config reload), switching the limiter on or off too. Buckets start afresh at
   * the new sizes; a request already admitted is not counted again.
   */
  reconfigure(config: RateLimitsConfig): void {
    this.stop();
    this.#clients.clear();
    this.#perIpLimit = config.perIpRequestsPerMinute;
    this.#healthLimit = config.healthRequestsPerMinute;
    this.#burst = config.burstSize;
    this.#globalLimit = config.globalRequestsPerMinute;
    const start = this.#now();
    this.#global =
      config.globalRequestsPerMinute > 0
        ? new TokenBucket(config.globalRequestsPerMinute, config.burstSize, start)
        : undefined;
    if (config.cleanupInterval > 0) {
      // One coarse timer for all clients; unref'd so it never holds the process open.
      this.#sweeper = setInterval(() => this.sweep(), config.cleanupInterval);
      this.#sweeper.unref();
    }
  }

  /** False when the per-client limit is off: the original then lets every request through. */
  get active(): boolean {
    return this.#perIpLimit > 0;
  }

  /** Checks (and on success counts) one request from `clientIp`. */
  check(clientIp: string, isHealthCheck: boolean): RateLimitVerdict {
    const now = this.#now();
    const limit = isHealthCheck ? this.#healthLimit : this.#perIpLimit;
    const verdict = this.#verdict;
    verdict.error = undefined;
    verdict.limit = limit;
    verdict.reset = Math.floor((now + WINDOW_MS) / 1000);
    if (limit <= 0) {
      // The original lets everything through, global limit included, when this limit is off.
      verdict.limit = 0;
      verdict.remaining = 0;
      return verdict;
    }
    if (this.#global !== undefined && this.#global.take(now) > 0) {
      verdict.remaining = 0;
      verdict.error = new RateLimitedError('Rate limit exceeded', 60, { limit });
      return verdict;
    }
    const client = this.#client(isHealthCheck ? `${clientIp}:health` : clientIp, limit, now);
    client.lastAccess = now;
    if (now - client.windowStart >= WINDOW_MS) {
      client.windowStart = now;
      client.used = 0;
    }
    const waitMs = client.bucket.take(now);
    if (waitMs > 0) {
      verdict.remaining = Math.max(0, limit - client.used);
      verdict.error = new RateLimitedError('Rate limit exceeded', retryAfterSeconds(waitMs, limit), { limit });
      return verdict;
    }
    client.used++;
    verdict.remaining = Math.max(0, limit - client.used);
    return verdict;
  }

  /** Whether checks go to the shared store (and so must be awaited). */
  get shared(): boolean {
    return this.#shared !== undefined;
  }

  /**
   * As `check`, against the buckets every instance shares; the local buckets answer when the
   * store cannot (down, or slower than its budget), so a lost store never refuses a request
   * that the local limit would let through.
   */
  async checkShared(clientIp: string, isHealthCheck: boolean): Promise<RateLimitVerdict> {
    const limit = isHealthCheck ? this.#healthLimit : this.#perIpLimit;
    if (this.#shared === undefined || limit <= 0) return this.check(clientIp, isHealthCheck);
    const take = await this.#shared.take(isHealthCheck ? `${clientIp}:health` : clientIp, {
      globalPerMinute: this.#globalLimit,
      clientPerMinute: limit,
      burst: this.#burst,
      windowMs: WINDOW_MS,
      idleMs: IDLE_BUCKET_MS,
    });
    if (take === undefined) return this.check(clientIp, isHealthCheck);
    const verdict = this.#verdict;
    verdict.limit = limit;
    verdict.reset = Math.floor((this.#now() + WINDOW_MS) / 1000);
    verdict.remaining = Math.max(0, limit - take.used);
    verdict.error =
      take.refusedBy === 'none'
        ? undefined
        : new RateLimitedError(
            'Rate limit exceeded',
            take.refusedBy === 'global' ? 60 : retryAfterSeconds(take.waitMs, limit),
            {
              limit,
            },
          );
    if (take.refusedBy === 'global') verdict.remaining = 0;
    return verdict;
  }

  #client(key: string, limit: number, now: number): ClientBucket {
    let client = this.#clients.get(key);
    if (client === undefined) {
      client = new ClientBucket(limit, this.#burst, now);
      this.#clients.set(key, client);
    }
    return client;
  }

  /** Drops client buckets idle for ten minutes; runs on `cleanup_interval`. */
  sweep(): void {
    const cutoff = this.#now() - IDLE_BUCKET_MS;
    for (const [key, client] of this.#clients) if (client.lastAccess < cutoff) this.#clients.delete(key);
  }

  /** Client buckets currently held (for tests and stats). */
  get trackedClients(): number {
    return this.#clients.size;
  }

  stop(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }
}

/** Whole seconds to wait, rounded up past the wait as the original does; 60/limit when no burst fits. */
function retryAfterSeconds(waitMs: number, limit: number): number {
  // The original can answer 0 here (limit above 60); at least 1 keeps clients from hot-looping.
  if (!Number.isFinite(waitMs)) return Math.max(1, Math.trunc(60 / limit));
  return Math.trunc(waitMs / 1000) + 1;
}
