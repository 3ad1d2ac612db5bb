/** Something told once when its time is up. */
export interface Expiring {
  expired(): void;
}

/** One place in the list: what waits, and when its time is up (performance.now() ms). */
export interface Deadline {
  readonly item: Expiring;
  readonly due: number;
  prev: Deadline | null;
  next: Deadline | null;
}

/**
 * The response timeout of every exchange that began under one `proxy.response_timeout`, kept on
 * one timer. A timer of its own for each exchange meant a Timeout object, an async ID and a
 * timer-list insert before each request went upstream, and a removal after it: some 4 µs a
 * request at one connection (node --cpu-prof, wrk -c1, shipped config). Every exchange here waits
 * the same time, so their deadlines fall in the order they began: they queue in a list, and one
 * unref'd timer is armed for the head's deadline, re-armed as it fires. Adding and removing are a
 * few pointer writes; a finished exchange's entry leaves at once, so the list holds only those in
 * flight. The timer never holds the process open (the exchange's own sockets do).
 */
export class ResponseDeadlines {
  readonly #ms: number;
  readonly #now: () => number;
  #head: Deadline | null = null;
  #tail: Deadline | null = null;
  #armed = false;
  readonly #sweep = () => this.#expire();

  constructor(ms: number, now: () => number = () => performance.now()) {
    this.#ms = ms;
    this.#now = now;
  }

  /** Starts `item`'s time; pass the result to `remove` when it no longer needs telling. */
  add(item: Expiring): Deadline {
    const deadline: Deadline = { item, due: this.#now() + this.#ms, prev: this.#tail, next: null };
    if (this.#tail === null) this.#head = deadline;
    else this.#tail.next = deadline;
    this.#tail = deadline;
    // Later deadlines never come before earlier ones, so a timer already armed fires in time.
    if (!this.#armed) this.#arm(this.#ms);
    return deadline;
  }

  remove(deadline: Deadline): void {
    const { prev, next } = deadline;
    if (prev === null) {
      if (this.#head !== deadline) return; // already expired, or removed before
      this.#head = next;
    } else prev.next = next;
    if (next === null) this.#tail = prev;
    else next.prev = prev;
    deadline.prev = null;
    deadline.next = null;
  }

  /** How many wait now, walking the list: for tests, never on the hot path. */
  get size(): number {
    let count = 0;
    for (let d = this.#head; d !== null; d = d.next) count++;
    return count;
  }

  #arm(ms: number): void {
    this.#armed = true;
    setTimeout(this.#sweep, Math.max(1, Math.ceil(ms))).unref();
  }

  #expire(): void {
    this.#armed = false;
    const now = this.#now();
    let head = this.#head;
    while (head !== null && head.due <= now) {
      this.remove(head);
      head.item.expired();
      head = this.#head;
    }
    if (head !== null && !this.#armed) this.#arm(head.due - now);
  }
}
