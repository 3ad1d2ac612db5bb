/** What the proxy reports after each exchange, for stats, metrics and logs. */
export interface RequestRecord {
  requestId: string;
  endpoint?: string;
  model?: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** Time to first byte of the response body, when known. */
  ttfbMs?: number;
  bytesOut: number;
  bytesIn: number;
  retries: number;
  failed: boolean;
  sticky?: string;
  inputTokens?: number;
  outputTokens?: number;
  /** The client's address, when known: per-model unique-client counts read it. */
  clientIp?: string;
  /**
   * Endpoint names tried before the one that answered, in order, when the request failed over.
   * Lets the dashboard show where a failover started; `retries` alone still counts it.
   */
  failedOver?: readonly string[];
}

/** Receives one record per proxied request; implementations must be cheap. */
export interface RequestRecorder {
  record(r: RequestRecord): void;
}
