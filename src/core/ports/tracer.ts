/**
 * Tracing as the proxy sees it. Absent unless telemetry is configured: the handler then passes
 * no span and the exchange does no tracing work at all.
 */

/** What the handler knows when a request starts. */
export interface TracedRequest {
  method: string;
  /** The path after the route's base (`/v1/chat/completions`). */
  targetPath: string;
  model?: string;
  /** The client's headers: a W3C `traceparent` there becomes the request span's parent. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface AttemptSpan {
  /** The W3C `traceparent` to send upstream, naming this attempt's span. */
  readonly traceparent: string;
  /** Response bytes as they pass, for the usage and response model backends report. */
  observe(chunk: Buffer): void;
  end(status: number, error?: Error): void;
}

export interface RequestSpan {
  /** A child span for one upstream attempt (a retry gets another). */
  startAttempt(
    endpoint: { readonly name: string; readonly url: string; readonly type: string },
    attempt: number,
  ): AttemptSpan;
  end(result: { status: number; retries: number; error?: Error }): void;
}

export interface RequestTracer {
  startRequest(request: TracedRequest): RequestSpan;
  /** Flushes spans not yet exported. */
  shutdown(): Promise<void>;
}
