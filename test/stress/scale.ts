/**
 * How big the stress runs are. `OLLA_STRESS_SCALE=short` is what CI runs (under a minute on an
 * idle 2-core machine, about two on a busy one); anything else is the full run (two to five minutes).
 */
export interface StressScale {
  name: 'short' | 'full';
  /** Requests per engine in the kill-and-restart run. */
  chaosRequests: number;
  /** Requests in flight at once in the load-generating runs. */
  concurrency: number;
  /** Requests in the random-abort run. */
  abortRequests: number;
  /** Fast requests that run beside the slow readers. */
  fastBesideSlow: number;
  slowReaders: number;
  /** Requests sent at each hanging or garbage-sending backend. */
  faultRequests: number;
  soakMs: number;
  /** Target request rate of the soak loop. */
  soakRatePerSecond: number;
}

const SHORT: StressScale = {
  name: 'short',
  chaosRequests: 1_500,
  concurrency: 32,
  abortRequests: 400,
  fastBesideSlow: 400,
  slowReaders: 8,
  faultRequests: 20,
  soakMs: 8_000,
  soakRatePerSecond: 200,
};

const FULL: StressScale = {
  name: 'full',
  chaosRequests: 10_000,
  concurrency: 32,
  abortRequests: 2_000,
  fastBesideSlow: 2_000,
  slowReaders: 16,
  faultRequests: 60,
  soakMs: 30_000,
  soakRatePerSecond: 200,
};

export const scale: StressScale = process.env.OLLA_STRESS_SCALE === 'short' ? SHORT : FULL;
