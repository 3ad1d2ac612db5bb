/**
 * The most recent failovers and health transitions, newest last, for the dashboard's activity
 * list. A fixed ring: events are rare (a failover or a health change), so each one is a small
 * object; the ring bounds how many are kept.
 */

export type RecentEventKind = 'failover' | 'health';

export interface RecentEvent {
  /** Epoch ms. */
  at: number;
  kind: RecentEventKind;
  endpoint: string;
  /** Health: the previous status; failover: the endpoint tried first, when known. */
  from?: string;
  /** Health: the new status; failover: the endpoint that finally answered. */
  to?: string;
  model?: string;
  retries?: number;
  /** Failover: whether the request still failed after moving on. */
  failed?: boolean;
  detail?: string;
}

export class EventRing {
  readonly #slots: (RecentEvent | undefined)[];
  #next = 0;
  #size = 0;

  constructor(capacity = 50) {
    this.#slots = new Array(Math.max(1, capacity)).fill(undefined);
  }

  push(event: RecentEvent): void {
    this.#slots[this.#next] = event;
    this.#next = (this.#next + 1) % this.#slots.length;
    if (this.#size < this.#slots.length) this.#size++;
  }

  /** Oldest first. */
  toArray(): RecentEvent[] {
    const out: RecentEvent[] = [];
    const capacity = this.#slots.length;
    for (let i = 0; i < this.#size; i++) {
      out.push(this.#slots[(this.#next - this.#size + i + capacity) % capacity]!);
    }
    return out;
  }
}
