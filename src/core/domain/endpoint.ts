/** An inference node Olla routes to, and its live health state. */

export type EndpointStatus =
  | 'healthy'
  | 'busy'
  | 'offline'
  | 'warming'
  | 'unhealthy'
  | 'unknown'
  | 'config_error'
  | 'rate_limited';

/** Healthy, busy and warming nodes take traffic; everything else is skipped by the balancers. */
export function isRoutable(status: EndpointStatus): boolean {
  // optimisation: string compares beat a Set lookup on this per-candidate, per-request path.
  return status === 'healthy' || status === 'busy' || status === 'warming';
}

/** Relative share of traffic a status deserves (the original's traffic weights). */
export function trafficWeight(status: EndpointStatus): number {
  switch (status) {
    case 'healthy':
      return 1;
    case 'busy':
      return 0.3;
    case 'warming':
      return 0.1;
    default:
      return 0;
  }
}

export interface Endpoint {
  readonly name: string;
  /** Profile/backend type, e.g. `ollama`, `lm-studio`, `vllm`. */
  readonly type: string;
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly healthCheckUrl: string;
  readonly modelUrl: string;
  readonly priority: number;
  readonly checkInterval: number;
  readonly checkTimeout: number;
  readonly preservePath: boolean;
  /** Extra outbound headers from config; never serialised. */
  readonly headers: Readonly<Record<string, string>>;
  /** Outbound auth header, precomputed at load time; never serialised or logged. */
  readonly authHeader?: { readonly name: string; readonly value: string };

  // Live state, owned by the health checker.
  status: EndpointStatus;
  lastChecked: number; // epoch ms, 0 = never
  lastLatencyMs: number;
  consecutiveFailures: number;
  backoffMultiplier: number;
  nextCheckTime: number; // epoch ms
  /**
   * Why the endpoint is not healthy, as its last probe or failed request found it; undefined
   * once a probe comes back healthy. Status shows it, so an operator need not search the log.
   */
  lastError: string | undefined;
}

/** What status endpoints may show of an endpoint: never a credential or configured header. */
export interface EndpointView {
  name: string;
  type: string;
  url: string;
  status: EndpointStatus;
  priority: number;
  healthCheckUrl: string;
  modelUrl: string;
  lastChecked: number;
  lastLatencyMs: number;
  consecutiveFailures: number;
  nextCheckTime: number;
  lastError: string | undefined;
}
