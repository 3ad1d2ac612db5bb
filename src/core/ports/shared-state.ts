/**
 * State several Olla instances share through one store (Redis or Valkey). Each answer may be
 * `undefined`: the store is down or slow, and the caller goes on with its local state, so a lost
 * store never fails a request.
 */

/** Sticky-session pins: session key -> endpoint name, with a sliding idle TTL. */
export interface SharedPins {
  /** The pinned endpoint; `null` when none is pinned, `undefined` when the store cannot say. */
  fetch(key: string): Promise<string | null | undefined>;
  /** Pins (or re-pins) a session; fire-and-forget. */
  pin(key: string, endpointName: string): void;
}

/** One request's take from the shared rate-limit buckets. */
export interface SharedTake {
  refusedBy: 'none' | 'global' | 'client';
  /** Milliseconds until a token is due; Infinity when none ever fits (burst 0). */
  waitMs: number;
  /** Requests admitted in the client's current one-minute window. */
  used: number;
}

export interface BucketLimits {
  /** 0: no global limit. */
  globalPerMinute: number;
  clientPerMinute: number;
  burst: number;
  windowMs: number;
  /** A client's buckets idle this long are dropped. */
  idleMs: number;
}

/** The rate limiter's buckets, shared so a limit holds across every instance. */
export interface SharedRateBuckets {
  take(clientKey: string, limits: BucketLimits): Promise<SharedTake | undefined>;
}
