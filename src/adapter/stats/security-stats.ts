/**
 * Rate- and size-limit violations for the status summary: two counters and the set of client
 * addresses that were rate limited in the last hour. The set is capped so a flood from many
 * addresses cannot grow it without bound; at the cap new addresses are not remembered until the
 * hourly expiry frees room (the original's policy).
 */

export interface SecuritySnapshot {
  rateLimitViolations: number;
  sizeLimitViolations: number;
  uniqueRateLimitedIps: number;
}

/** Where the status routes and the metrics read the security figures from. */
export interface SecurityStatsSource {
  securitySnapshot(): SecuritySnapshot;
}

export interface SecurityViolationsOptions {
  now?: () => number;
  maxTrackedIps?: number;
  ipRetentionMs?: number;
}

const SWEEP_EVERY_MS = 5 * 60_000;

export class SecurityViolations implements SecurityStatsSource {
  readonly #now: () => number;
  readonly #maxIps: number;
  readonly #retentionMs: number;
  readonly #ips = new Map<string, number>();
  #rateLimits = 0;
  #sizeLimits = 0;
  #lastSweep: number;

  constructor(options: SecurityViolationsOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxIps = options.maxTrackedIps ?? 10_000;
    this.#retentionMs = options.ipRetentionMs ?? 60 * 60_000;
    this.#lastSweep = this.#now();
  }

  /** A request from `clientIp` was refused with 429. */
  recordRateLimit(clientIp: string): void {
    this.#rateLimits++;
    const now = this.#now();
    // The expiry scan runs at most every few minutes, never per violation.
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) this.#sweep(now);
    if (this.#ips.size < this.#maxIps || this.#ips.has(clientIp)) this.#ips.set(clientIp, now);
  }

  /** A request was refused for exceeding a body or header size limit. */
  recordSizeLimit(): void {
    this.#sizeLimits++;
  }

  securitySnapshot(): SecuritySnapshot {
    this.#sweep(this.#now());
    return {
      rateLimitViolations: this.#rateLimits,
      sizeLimitViolations: this.#sizeLimits,
      uniqueRateLimitedIps: this.#ips.size,
    };
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    const cutoff = now - this.#retentionMs;
    for (const [ip, seen] of this.#ips) if (seen < cutoff) this.#ips.delete(ip);
  }
}
