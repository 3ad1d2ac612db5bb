import type { RequestPriority } from './routing.js';
/** A client API key as the gate knows it: a name, what it may use and how much. Never the secret. */

/** The admission-queue priority a key's requests get (the queue's own priorities). */
export type ClientPriority = RequestPriority;

export interface ClientKeyLimits {
  /** 0 = no limit, for each. */
  readonly requestsPerMinute: number;
  readonly tokensPerMinute: number;
  readonly tokensPerDay: number;
  readonly maxConcurrent: number;
}

export interface ClientKey {
  readonly name: string;
  /** Model allow-list (globs); undefined allows every model. */
  readonly models: readonly string[] | undefined;
  readonly limits: ClientKeyLimits;
  /** For the admission queue in front of busy backends. */
  readonly priority: ClientPriority;
}

/** Why a known key's request was refused. */
export type KeyRejection = 'model' | 'requests_per_minute' | 'tokens_per_minute' | 'tokens_per_day' | 'max_concurrent';

export const KEY_REJECTIONS: readonly KeyRejection[] = [
  'model',
  'requests_per_minute',
  'tokens_per_minute',
  'tokens_per_day',
  'max_concurrent',
];

/** Tokens one exchange used, from the backend's own usage report where it gave one. */
export interface TokenUsage {
  readonly input: number;
  readonly output: number;
  /** True when some of it was estimated (the stream ended before the backend reported usage). */
  readonly estimated: boolean;
}
