import type { QueueConfig } from '../../config/types.js';
import type { Endpoint } from '../../core/domain/endpoint.js';
import { REQUEST_PRIORITIES, type RequestPriority } from '../../core/domain/routing.js';
import { CapacityExceededError } from '../../core/errors.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';

export type QueueRejection = 'full' | 'timeout' | 'disabled';

/** Told about every wait and refusal (stats and Prometheus listen). */
export interface QueueObserver {
  admitted(group: string, waitedMs: number): void;
  rejected(group: string, reason: QueueRejection): void;
}

/** Something that says when the client went away (the raw response's `close`). */
export interface ClientCloseSignal {
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** The client left while queued; nothing is sent, the handler just stops. */
export class LeftQueueError extends Error {
  constructor() {
    super('client left the admission queue');
    this.name = 'LeftQueueError';
  }
}

interface Waiter {
  readonly candidates: readonly Endpoint[];
  readonly group: string;
  readonly since: number;
  readonly start: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly client: ClientCloseSignal;
  readonly onClose: () => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Admits a request when a candidate node has a free slot; otherwise holds it in a queue until
 * one frees up, past `max_wait` or beyond `max_size` refusing it quickly with a 503 and
 * `Retry-After`. Waiting is per model group: a request only waits for nodes of its own group,
 * so a busy model never blocks another's traffic. Within a group order is FIFO per priority,
 * high before normal before low.
 *
 * `start` is called synchronously when the slot is granted, and must take it synchronously
 * (the engine's `handle` selects and acquires before returning), so no other request can slip
 * in between.
 */
export class AdmissionQueue {
  readonly #limiter: ConcurrencyLimiter;
  readonly #config: QueueConfig;
  readonly #observer: QueueObserver | undefined;
  /** One FIFO per priority, in REQUEST_PRIORITIES order. */
  readonly #lanes: Waiter[][] = REQUEST_PRIORITIES.map(() => []);
  readonly #depthByGroup = new Map<string, number>();
  #depth = 0;

  constructor(limiter: ConcurrencyLimiter, config: QueueConfig, observer?: QueueObserver) {
    this.#limiter = limiter;
    this.#config = config;
    this.#observer = observer;
    limiter.onSlotFreed(() => this.#dispatch());
  }

  get config(): QueueConfig {
    return this.#config;
  }

  /** Requests waiting now, in all groups. */
  get depth(): number {
    return this.#depth;
  }

  depthOf(group: string): number {
    return this.#depthByGroup.get(group) ?? 0;
  }

  /** Seconds a refused client is told to wait: the queue's own patience, at least one. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.#config.maxWait / 1000));
  }

  admit<T>(
    candidates: readonly Endpoint[],
    group: string,
    priority: RequestPriority | undefined,
    client: ClientCloseSignal,
    start: () => T,
  ): Promise<Awaited<T>> | T {
    // Requests already waiting in this group go first: a newcomer must not overtake them.
    if (this.depthOf(group) === 0 && this.#limiter.anyRoom(candidates)) {
      this.#observer?.admitted(group, 0);
      return start();
    }
    if (!this.#config.enabled) return this.#refuse(group, 'disabled', candidates);
    if (this.depthOf(group) >= this.#config.maxSize) return this.#refuse(group, 'full', candidates);
    return new Promise<unknown>((resolve, reject) => {
      const waiter: Waiter = {
        candidates,
        group,
        since: performance.now(),
        start,
        resolve,
        reject,
        client,
        onClose: () => {
          if (this.#remove(waiter)) reject(new LeftQueueError());
        },
        timer: undefined,
      };
      waiter.timer = setTimeout(() => {
        if (!this.#remove(waiter)) return;
        try {
          this.#refuse(group, 'timeout', candidates);
        } catch (err) {
          reject(err as Error);
        }
      }, this.#config.maxWait);
      client.once('close', waiter.onClose);
      this.#lanes[REQUEST_PRIORITIES.indexOf(priority ?? 'normal')]!.push(waiter);
      this.#depth++;
      this.#depthByGroup.set(group, this.depthOf(group) + 1);
    }) as Promise<Awaited<T>>;
  }

  #refuse(group: string, reason: QueueRejection, candidates: readonly Endpoint[]): never {
    this.#observer?.rejected(group, reason);
    const why =
      reason === 'timeout'
        ? `no slot freed within proxy.queue.max_wait (${this.#config.maxWait}ms)`
        : reason === 'full'
          ? `the admission queue is full (proxy.queue.max_size ${this.#config.maxSize})`
          : 'proxy.queue is disabled';
    throw new CapacityExceededError(
      `every endpoint for this request is at its max_concurrent_requests and ${why}`,
      this.retryAfterSeconds,
      { endpoints: candidates.map((e) => e.name), queue: reason },
    );
  }

  /** Takes a waiter out of its lane; false when it was already gone (granted, timed out, left). */
  #remove(waiter: Waiter): boolean {
    for (const lane of this.#lanes) {
      const at = lane.indexOf(waiter);
      if (at < 0) continue;
      lane.splice(at, 1);
      this.#depth--;
      const left = this.depthOf(waiter.group) - 1;
      if (left > 0) this.#depthByGroup.set(waiter.group, left);
      else this.#depthByGroup.delete(waiter.group);
      clearTimeout(waiter.timer);
      waiter.client.off('close', waiter.onClose);
      return true;
    }
    return false;
  }

  /** Starts every waiter, in priority then arrival order, that a candidate now has room for. */
  #dispatch(): void {
    for (const lane of this.#lanes) {
      for (let i = 0; i < lane.length; ) {
        const waiter = lane[i]!;
        if (!this.#limiter.anyRoom(waiter.candidates)) {
          i++;
          continue;
        }
        this.#remove(waiter);
        this.#observer?.admitted(waiter.group, performance.now() - waiter.since);
        try {
          waiter.resolve(waiter.start());
        } catch (err) {
          waiter.reject(err as Error);
        }
      }
    }
  }
}
