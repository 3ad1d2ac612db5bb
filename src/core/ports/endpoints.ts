import type { Endpoint, EndpointStatus } from '../domain/endpoint.js';

/** The set of configured endpoints and their live state. */
export interface EndpointRepository {
  all(): readonly Endpoint[];
  routable(): readonly Endpoint[];
  get(name: string): Endpoint | undefined;
  /** Routable endpoints whose type is one of `types` (empty = any type). */
  routableOfTypes(types: readonly string[]): readonly Endpoint[];
}

export interface HealthTransition {
  endpoint: Endpoint;
  from: EndpointStatus;
  to: EndpointStatus;
  error?: string;
}

export interface HealthChecker {
  start(): void;
  stop(): Promise<void>;
  /** Run one round of checks now (used at start-up and by tests). */
  checkAll(): Promise<void>;
  /**
   * A proxied request failed to connect: mark the endpoint unhealthy at once and let the
   * backoff schedule re-check it, rather than waiting for the next interval.
   */
  markFailed(endpoint: Endpoint, reason: string): void;
  onTransition(listener: (t: HealthTransition) => void): () => void;
}
