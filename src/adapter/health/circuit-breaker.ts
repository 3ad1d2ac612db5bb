/**
 * Per-endpoint circuit breakers (closed → open → half-open → closed), one registry shared by the
 * health checker and the proxy engines so both kinds of failure count toward the same verdict.
 */

/** Consecutive failures that trip a breaker (the original's health-checker threshold). */
export const BREAKER_FAILURE_THRESHOLD = 3;
/** How long a tripped breaker stays open before it admits one trial request. */
export const BREAKER_OPEN_DURATION_MS = 30_000;
/**
 * How long a half-open trial from proxied traffic may stay unresolved before another caller may
 * take its place. Sized for inference: time to first token alone routinely exceeds a second.
 */
export const PROXY_HALF_OPEN_STALENESS_MS = 30_000;

export type BreakerState = 'closed' | 'open' | 'half-open';

/** `admit` answers this when the caller must not contact the endpoint. */
export const BREAKER_REJECTED = -1;
/** `admit` answers this when the breaker is closed: go ahead, no trial to correlate. */
export const BREAKER_CLOSED = 0;

/**
 * One endpoint's breaker. Half-open admits exactly one trial at a time; each trial gets a token
 * so that a late result from a trial that was superseded (it hung past the staleness window and
 * a replacement was let through) cannot overwrite the replacement's outcome.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #openDurationMs: number;
  readonly #now: () => number;
  #state: BreakerState = 'closed';
  #failures = 0;
  #lastFailureAt = 0;
  /** Token of the trial in flight while half-open; 0 = none. */
  #trialToken = 0;
  #trialStartedAt = 0;
  #nextToken = 1;

  constructor(threshold: number, openDurationMs: number, now: () => number) {
    this.#threshold = threshold;
    this.#openDurationMs = openDurationMs;
    this.#now = now;
  }

  get state(): BreakerState {
    return this.#state;
  }

  get failures(): number {
    return this.#failures;
  }

  /**
   * Would `admit` let a caller through now? Claims nothing, so a router may ask it of every
   * candidate and then `admit` only the one it sends to: asking `admit` of each would hand the
   * half-open trial to a candidate the balancer then passes over, and refuse the one it picks.
   */
  wouldAdmit(trialStalenessMs: number): boolean {
    if (this.#state === 'closed') return true;
    const now = this.#now();
    if (this.#state === 'open' && now - this.#lastFailureAt < this.#openDurationMs) return false;
    return this.#trialToken === 0 || now - this.#trialStartedAt >= trialStalenessMs;
  }

  /**
   * May the caller contact the endpoint? Answers `BREAKER_REJECTED`, `BREAKER_CLOSED`, or a
   * positive trial token to hand back to `recordSuccess`/`recordFailure`.
   */
  admit(trialStalenessMs: number): number {
    if (this.#state === 'closed') return BREAKER_CLOSED;
    const now = this.#now();
    if (this.#state === 'open') {
      if (now - this.#lastFailureAt < this.#openDurationMs) return BREAKER_REJECTED;
      this.#state = 'half-open';
    }
    // A trial still inside its staleness window keeps the gate shut; a stale one (a hung
    // request) hands its slot to this caller, otherwise one stuck trial would wedge the
    // endpoint for good.
    if (this.#trialToken !== 0 && now - this.#trialStartedAt < trialStalenessMs) return BREAKER_REJECTED;
    this.#trialToken = this.#nextToken++;
    this.#trialStartedAt = now;
    return this.#trialToken;
  }

  recordSuccess(token = BREAKER_CLOSED): void {
    if (this.#isSuperseded(token)) return;
    this.#failures = 0;
    this.#trialToken = 0;
    this.#state = 'closed';
  }

  /** Answers true when this failure tripped the breaker from closed or half-open to open. */
  recordFailure(token = BREAKER_CLOSED): boolean {
    if (this.#isSuperseded(token)) return false;
    this.#failures++;
    this.#lastFailureAt = this.#now();
    this.#trialToken = 0;
    if (this.#failures < this.#threshold || this.#state === 'open') return false;
    this.#state = 'open';
    return true;
  }

  #isSuperseded(token: number): boolean {
    return token > 0 && token !== this.#trialToken;
  }
}

export interface CircuitBreakerOptions {
  failureThreshold?: number;
  openDurationMs?: number;
  /** Clock in epoch ms; tests pass a fake one. */
  now?: () => number;
}

/**
 * Every endpoint's breaker, keyed by endpoint name. The proxy engines record the outcome of
 * proxied requests here (a refused connection and a 502/503/504 answer alike), the health
 * checker records its probes, and both ask before contacting a node.
 */
export class CircuitBreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #openListeners = new Set<(name: string) => void>();
  readonly #threshold: number;
  readonly #openDurationMs: number;
  readonly #now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? BREAKER_FAILURE_THRESHOLD;
    this.#openDurationMs = options.openDurationMs ?? BREAKER_OPEN_DURATION_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * True when `name` must not be contacted now. While half-open this admits the caller as the
   * single trial, so only ask when you are about to send the request.
   */
  isOpen(name: string, trialStalenessMs = PROXY_HALF_OPEN_STALENESS_MS): boolean {
    return this.admit(name, trialStalenessMs) === BREAKER_REJECTED;
  }

  /** Whether `admit` would let a caller through, claiming no trial (see `CircuitBreaker.wouldAdmit`). */
  wouldAdmit(name: string, trialStalenessMs = PROXY_HALF_OPEN_STALENESS_MS): boolean {
    return this.#breakers.get(name)?.wouldAdmit(trialStalenessMs) ?? true;
  }

  /** As `isOpen`, but hands back the trial token (see `CircuitBreaker.admit`). */
  admit(name: string, trialStalenessMs = PROXY_HALF_OPEN_STALENESS_MS): number {
    // optimisation: a never-failed endpoint has no breaker yet, and needs none to say "closed".
    const breaker = this.#breakers.get(name);
    return breaker === undefined ? BREAKER_CLOSED : breaker.admit(trialStalenessMs);
  }

  recordSuccess(name: string, token = BREAKER_CLOSED): void {
    this.#breakers.get(name)?.recordSuccess(token);
  }

  recordFailure(name: string, token = BREAKER_CLOSED): void {
    if (!this.#breakerFor(name).recordFailure(token)) return;
    for (const listener of this.#openListeners) listener(name);
  }

  /** The breaker's state without admitting a trial (for status pages and routing filters). */
  state(name: string): BreakerState {
    return this.#breakers.get(name)?.state ?? 'closed';
  }

  /** Called with the endpoint name each time a breaker trips open. */
  onOpen(listener: (name: string) => void): () => void {
    this.#openListeners.add(listener);
    return () => this.#openListeners.delete(listener);
  }

  /** Forget an endpoint that left the configuration. */
  delete(name: string): void {
    this.#breakers.delete(name);
  }

  #breakerFor(name: string): CircuitBreaker {
    let breaker = this.#breakers.get(name);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.#threshold, this.#openDurationMs, this.#now);
      this.#breakers.set(name, breaker);
    }
    return breaker;
  }
}
