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
   * A proxied request failed to connect: mark the endpoint unhealthy at once and re-check it at
   * its next interval. Ignored when the endpoint is already unroutable or the request was sent
   * (`requestStartedAt`, epoch ms) before the endpoint's last status change: one event per outage.
   */
  markFailed(endpoint: Endpoint, reason: string, requestStartedAt?: number): void;
  /** Probe an unroutable endpoint now (a request just succeeded there); no-op when routable. */
  recheck(endpoint: Endpoint): void;
  onTransition(listener: (t: HealthTransition) => void): () => void;
}
