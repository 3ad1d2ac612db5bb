/**
 * The one connection to the shared store (Redis ≥ 7 or Valkey ≥ 7.2). Everything that shares state
 * across instances goes through `call`, which never throws and never waits long: while the store is
 * down, or when a command takes longer than the budget, it answers `undefined` at once and the
 * caller uses its local answer. Olla must keep serving when the store is lost; sharing resumes by
 * itself when the client reconnects.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'iovalkey';
import type { Logger } from '../../../logger/logger.js';

export interface SharedConnectionOptions {
  url: string;
  keyPrefix: string;
  password?: string | undefined;
  tls: boolean;
  /** Longest a hot-path command may take before the local answer is used. */
  commandTimeoutMs: number;
  logger: Logger;
}

export interface SharedStoreStatus {
  /** True while commands reach the store. */
  up: boolean;
  /** `redis://host:port` without credentials. */
  address: string;
  /** ISO time of the last change between up and down. */
  since: string;
  lastError: string | undefined;
}

// Reconnect quickly at first, then back off to a few seconds so a dead store costs little.
const RECONNECT_FIRST_MS = 50;
const RECONNECT_MAX_MS = 5_000;

function reconnectDelay(attempt: number): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** Math.min(attempt, 10));
  // Jitter so a fleet of instances does not reconnect in lockstep after the store restarts.
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** The address to show in logs and status: never the password or username. */
export function publicAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

export class SharedConnection {
  readonly client: Redis;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #address: string;
  #up = false;
  #since = new Date().toISOString();
  #lastError: string | undefined;
  #closing = false;
  readonly #listeners = new Set<(up: boolean) => void>();
  readonly #prefix: string;
  /** Tells this instance's own messages apart from the others'. */
  readonly #instance = randomUUID();
  readonly #handlers = new Map<string, (message: string) => void>();
  #subscriber: Redis | undefined;

  constructor(options: SharedConnectionOptions) {
    this.#logger = options.logger;
    this.#timeoutMs = options.commandTimeoutMs;
    this.#address = publicAddress(options.url);
    this.#prefix = options.keyPrefix;
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      keyPrefix: options.keyPrefix,
      // Commands fail at once while disconnected instead of queueing behind a dead socket.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: 2_000,
      retryStrategy: reconnectDelay,
      ...(options.password ? { password: options.password } : {}),
      ...(options.tls ? { tls: {} } : {}),
    };
    this.client = new Redis(options.url, redisOptions);
    this.client.on('ready', () => this.#setUp(true, undefined));
    this.client.on('close', () => this.#setUp(false, this.#lastError ?? 'connection closed'));
    // iovalkey emits an error for every failed reconnect; the transition is what matters.
    this.client.on('error', (error: Error) => {
      this.#lastError = error.message;
    });
  }

  /** Connects, but never fails start-up: an unreachable store means local state until it is back. */
  async start(): Promise<void> {
    try {
      await this.client.connect();
    } catch (error) {
      this.#lastError = (error as Error).message;
      this.#logger.warn(
        { store: this.#address, error: this.#lastError },
        'Shared state store unreachable; serving on local state and retrying in the background',
      );
    }
  }

  get up(): boolean {
    return this.#up;
  }

  status(): SharedStoreStatus {
    return { up: this.#up, address: this.#address, since: this.#since, lastError: this.#lastError };
  }

  /** Called on every change between up and down (for metrics and for resyncing local state). */
  onChange(listener: (up: boolean) => void): void {
    this.#listeners.add(listener);
  }

  /**
   * Runs one store operation within the budget; `undefined` when the store is down, slow or
   * refuses it. Callers treat `undefined` as "use the local answer".
   */
  async call<T>(operation: (client: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.#up) return undefined;
    try {
      return await operation(this.client);
    } catch (error) {
      this.#lastError = (error as Error).message;
      return undefined;
    }
  }

  get commandTimeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Listens on a channel of the store (pub/sub needs a connection of its own). Messages this
   * instance published are not handed back. Subscriptions survive reconnects.
   */
  subscribe(channel: string, onMessage: (message: string) => void): void {
    this.#subscriber ??= this.#openSubscriber();
    this.#handlers.set(this.#prefix + channel, onMessage);
    void this.#subscriber.subscribe(this.#prefix + channel).catch(() => undefined);
  }

  /** Tells every other instance; fire-and-forget (a lost message costs only a stale local view). */
  publish(channel: string, message: string): void {
    void this.call((client) => client.publish(this.#prefix + channel, `${this.#instance} ${message}`));
  }

  #openSubscriber(): Redis {
    // Channels are not key-prefixed by the client, so the prefix is added by hand.
    const subscriber = this.client.duplicate({ keyPrefix: '', lazyConnect: false, enableOfflineQueue: true });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, raw: string) => {
      const space = raw.indexOf(' ');
      if (space < 0 || raw.slice(0, space) === this.#instance) return;
      this.#handlers.get(channel)?.(raw.slice(space + 1));
    });
    return subscriber;
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.client.disconnect(false);
    this.#subscriber?.disconnect(false);
  }

  #setUp(up: boolean, error: string | undefined): void {
    if (up === this.#up) return;
    this.#up = up;
    this.#since = new Date().toISOString();
    if (up) {
      this.#lastError = undefined;
      this.#logger.info({ store: this.#address }, 'Shared state store connected; sharing state across instances');
    } else if (!this.#closing) {
      this.#logger.warn(
        { store: this.#address, error },
        'Shared state store lost; serving on local state until it reconnects',
      );
    }
    for (const listener of this.#listeners) listener(up);
  }
}
