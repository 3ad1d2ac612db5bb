/**
 * Passive outlier detection, Envoy's model: a node that passes its health checks but fails real
 * requests is ejected for `base × ejections` (capped), never when it is the last routable node.
 * Two rules eject: N consecutive 5xx answers or timeouts, or a failure share at or over a
 * threshold across a sliding window with enough requests in it (Envoy's failure percentage).
 * A passing probe does not end an ejection; it ends on time and the first outcome after it
 * decides: a failure ejects again at once, a success keeps the node in. Each endpoint's rules come
 * from `rules(name)` (the proxy's settings under the endpoint's own, see ./rules.ts).
 */
import { formatDuration } from '../../config/duration.js';
import type { OutlierDetectionConfig } from '../../config/types.js';
import type { Ejection, EjectionStore } from '../../core/ports/ejections.js';
import { FailureWindow, failureRateExceeded } from './failure-window.js';

export interface OutlierDetectorOptions {
  /** The endpoint's effective settings; called once per outcome, so it must be cheap. */
  rules(name: string): OutlierDetectionConfig;
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
  readonly #windows = new Map<string, FailureWindow>();
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
    const rules = this.#options.rules(name);
    if (!rules.enabled) return;
    this.#consecutive.set(name, 0);
    const now = this.#now();
    this.#windowFor(name, rules)?.record(false, now);
    const ejection = this.#everEjected ? this.#options.store.get(name) : undefined;
    if (ejection?.awaitingTrial && now >= ejection.until) {
      this.#options.store.set({ ...ejection, awaitingTrial: false });
    }
  }

  recordFailure(name: string, reason: string): void {
    const rules = this.#options.rules(name);
    if (!rules.enabled) return;
    const previous = this.#everEjected ? this.#options.store.get(name) : undefined;
    const now = this.#now();
    if (previous !== undefined && now < previous.until) return; // already out: one event per ejection
    const failures = (this.#consecutive.get(name) ?? 0) + 1;
    this.#consecutive.set(name, failures);
    const window = this.#windowFor(name, rules);
    window?.record(true, now);
    const trialFailed = previous?.awaitingTrial === true;
    const byCount = failures >= rules.consecutiveFailures;
    const counts = window?.counts(now);
    const byRate =
      counts !== undefined &&
      failureRateExceeded(counts, {
        thresholdPercent: rules.failureRateThreshold,
        minRequests: rules.failureRateMinRequests,
      });
    if (!trialFailed && !byCount && !byRate) return;
    if (!this.#options.othersRoutable(name)) return;
    const count = (previous?.count ?? 0) + 1;
    const duration = Math.min(rules.baseEjectionTime * count, rules.maxEjectionTime);
    let why: string;
    if (trialFailed) why = `failed its trial request after ejection: ${reason}`;
    else if (byCount) why = `${failures} consecutive failures, last: ${reason}`;
    else {
      const percent = Math.round((counts!.failures * 100) / counts!.requests);
      why =
        `failure rate ${percent}% (${counts!.failures} of ${counts!.requests} requests in ` +
        `${formatDuration(rules.failureRateWindow)}) at or over ${rules.failureRateThreshold}%, last: ${reason}`;
    }
    const ejection: Ejection = {
      endpoint: name,
      since: now,
      until: now + duration,
      reason: why,
      count,
      awaitingTrial: true,
    };
    this.#consecutive.set(name, 0);
    window?.clear();
    this.#everEjected = true;
    this.#options.store.set(ejection);
    this.#options.onEject?.(ejection);
  }

  /** The endpoint's window while the rate rule is on; a new one when its length was changed. */
  #windowFor(name: string, rules: OutlierDetectionConfig): FailureWindow | undefined {
    if (rules.failureRateThreshold === 0) return undefined;
    let window = this.#windows.get(name);
    if (window === undefined || window.windowMs !== rules.failureRateWindow) {
      window = new FailureWindow(rules.failureRateWindow);
      this.#windows.set(name, window);
    }
    return window;
  }
}
