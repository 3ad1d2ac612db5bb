/**
 * Passive outlier detection, Envoy's model: a node that passes its health checks but fails real
 * requests (N consecutive 5xx answers or timeouts) is ejected for `base × ejections` (capped),
 * never when it is the last routable node. A passing probe does not end an ejection; it ends on
 * time and the first outcome after it decides: a failure ejects again at once, a success keeps
 * the node in.
 */
import type { Ejection, EjectionStore } from '../../core/ports/ejections.js';

export interface OutlierDetectorOptions {
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  store: EjectionStore;
  /** Whether some other endpoint would still be routable if `name` were ejected. */
  othersRoutable(name: string): boolean;
  onEject?(ejection: Ejection): void;
  now?: () => number;
}

export class OutlierDetector {
  readonly #options: OutlierDetectorOptions;
  readonly #now: () => number;
  readonly #consecutive = new Map<string, number>();
  /** optimisation: the routing filter skips all work while nothing was ever ejected. */
  #everEjected = false;

  constructor(options: OutlierDetectorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  isEjected(name: string): boolean {
    if (!this.#everEjected) return false;
    const ejection = this.#options.store.get(name);
    return ejection !== undefined && this.#now() < ejection.until;
  }

  /** The endpoint's ejection while it is live, for status pages. */
  liveEjection(name: string): Ejection | undefined {
    return this.isEjected(name) ? this.#options.store.get(name) : undefined;
  }

  /** Drops ejected endpoints; hands back `candidates` itself when none is ejected. */
  withoutEjected<T extends { name: string }>(candidates: readonly T[]): readonly T[] {
    if (!this.#everEjected || !candidates.some((c) => this.isEjected(c.name))) return candidates;
    return candidates.filter((c) => !this.isEjected(c.name));
  }

  recordSuccess(name: string): void {
    this.#consecutive.set(name, 0);
    const ejection = this.#everEjected ? this.#options.store.get(name) : undefined;
    if (ejection?.awaitingTrial && this.#now() >= ejection.until) {
      this.#options.store.set({ ...ejection, awaitingTrial: false });
    }
  }

  recordFailure(name: string, reason: string): void {
    const previous = this.#everEjected ? this.#options.store.get(name) : undefined;
    const now = this.#now();
    if (previous !== undefined && now < previous.until) return; // already out: one event per ejection
    const failures = (this.#consecutive.get(name) ?? 0) + 1;
    this.#consecutive.set(name, failures);
    const trialFailed = previous?.awaitingTrial === true;
    if (!trialFailed && failures < this.#options.consecutiveFailures) return;
    if (!this.#options.othersRoutable(name)) return;
    const count = (previous?.count ?? 0) + 1;
    const duration = Math.min(this.#options.baseEjectionMs * count, this.#options.maxEjectionMs);
    const ejection: Ejection = {
      endpoint: name,
      since: now,
      until: now + duration,
      reason: trialFailed
        ? `failed its trial request after ejection: ${reason}`
        : `${failures} consecutive failures, last: ${reason}`,
      count,
      awaitingTrial: true,
    };
    this.#consecutive.set(name, 0);
    this.#everEjected = true;
    this.#options.store.set(ejection);
    this.#options.onEject?.(ejection);
  }
}
