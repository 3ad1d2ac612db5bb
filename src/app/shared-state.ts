/**
 * The shared state store, built only when `state.redis.url` is set: one connection and the
 * adapters that put sticky pins, rate-limit buckets and client-key quotas on it. Without it every instance keeps its
 * own state, exactly as a single Olla does, and nothing here is loaded.
 */
import { RedisRateBuckets } from '../adapter/state/redis/redis-rate-buckets.js';
import { RedisStateStore } from '../adapter/state/redis/redis-state-store.js';
import { RedisStickyPins } from '../adapter/state/redis/redis-sticky-pins.js';
import { ReplicatedEjectionStore, ReplicatedResponseStore } from '../adapter/state/redis/replicated.js';
import { SharedConnection, type SharedStoreStatus } from '../adapter/state/redis/shared-connection.js';
import type { StateConfig } from '../config/types.js';
import type { EjectionStore } from '../core/ports/ejections.js';
import type { ResponseStore } from '../core/ports/response-store.js';
import type { SharedPins, SharedRateBuckets } from '../core/ports/shared-state.js';
import type { StateStore } from '../core/ports/state-store.js';
import type { Logger } from '../logger/logger.js';

/** Start-up waits this long for the store at most; past it Olla serves on local state meanwhile. */
const CONNECT_WAIT_MS = 500;

export interface SharedState {
  readonly connection: SharedConnection;
  readonly rateBuckets: SharedRateBuckets;
  pins(idleTtlMs: number): SharedPins;
  /** Client-key windows, slots and usage on the store, answered by `local` while it is away. */
  keyStore(local: StateStore): StateStore;
  /** Passive ejections every instance applies. */
  ejections(local: EjectionStore): EjectionStore;
  /** Stored Responses conversations every instance can continue. */
  responses(local: ResponseStore): ResponseStore;
  /** `/internal/status` `state`. */
  status(): { backend: 'redis'; shared: SharedStoreStatus };
  start(): Promise<void>;
  close(): Promise<void>;
}

export function buildSharedState(config: StateConfig, logger: Logger): SharedState | undefined {
  const redis = config.redis;
  if (redis === undefined) return undefined;
  const connection = new SharedConnection({
    url: redis.url,
    keyPrefix: redis.keyPrefix,
    password: redis.password,
    tls: redis.tls,
    commandTimeoutMs: redis.timeout,
    logger,
  });
  return {
    connection,
    rateBuckets: new RedisRateBuckets(connection),
    pins: (idleTtlMs) => new RedisStickyPins(connection, idleTtlMs),
    keyStore: (local) => new RedisStateStore(connection, local),
    ejections: (local) => new ReplicatedEjectionStore(local, connection),
    responses: (local) => new ReplicatedResponseStore(local, connection),
    status: () => ({ backend: 'redis', shared: connection.status() }),
    async start() {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CONNECT_WAIT_MS);
      });
      await Promise.race([connection.start(), waited]);
      clearTimeout(timer);
    },
    close: () => connection.close(),
  };
}
