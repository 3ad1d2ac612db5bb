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
}

/** Receives one record per proxied request; implementations must be cheap. */
export interface RequestRecorder {
  record(r: RequestRecord): void;
}
