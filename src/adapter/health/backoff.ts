/** Pure schedule arithmetic for health checks: per-endpoint backoff and per-probe retry delays. */

/**
 * The multiplier doubles per consecutive failed probe (2, 4) but never passes this: an unhealthy
 * node is probed again within four check intervals, so a restarted node is back in about one
 * interval plus the check timeout rather than sitting out a long backoff it no longer deserves.
 */
export const MAX_BACKOFF_MULTIPLIER = 4;
/** However large the interval, a failing endpoint is re-checked at least every 30 s. */
export const MAX_BACKOFF_MS = 30_000;

export interface BackoffStep {
  /** Wait before the next check. */
  intervalMs: number;
  /** Multiplier to store on the endpoint for the check after that. */
  multiplier: number;
}

/**
 * The wait before the next check and the multiplier to carry forward. The first failure keeps
 * the normal interval because most transient errors clear on the very next check; later ones
 * wait `checkInterval × current multiplier` (at most 4×), capped at 30 s unless the configured
 * interval is itself longer (a failing node is never checked less often than a healthy one).
 */
export function nextBackoff(checkIntervalMs: number, currentMultiplier: number, success: boolean): BackoffStep {
  if (success) return { intervalMs: checkIntervalMs, multiplier: 1 };
  if (currentMultiplier <= 1) return { intervalMs: checkIntervalMs, multiplier: 2 };
  return {
    intervalMs: Math.min(
      checkIntervalMs * Math.min(currentMultiplier, MAX_BACKOFF_MULTIPLIER),
      Math.max(checkIntervalMs, MAX_BACKOFF_MS),
    ),
    multiplier: Math.min(currentMultiplier * 2, MAX_BACKOFF_MULTIPLIER),
  };
}

/** Retries within one probe after a network error (so up to three attempts in all). */
export const PROBE_MAX_RETRIES = 2;
const PROBE_RETRY_BASE_MS = 100;
const PROBE_RETRY_MAX_MS = 2_000;
const PROBE_RETRY_JITTER = 0.25;

/**
 * Delay before retry `attempt` (1-based) inside one probe: 100 ms doubling, capped at 2 s, with
 * ±12.5 % jitter (a 25 % spread) so probes of many endpoints do not retry in lockstep.
 */
export function probeRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const base = Math.min(PROBE_RETRY_BASE_MS * 2 ** (attempt - 1), PROBE_RETRY_MAX_MS);
  return base + base * PROBE_RETRY_JITTER * (random() - 0.5);
}
