import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../../../core/domain/endpoint.js';
import type { RequestBody } from '../../../core/domain/request-body.js';
import type { UpstreamTarget } from './upstream-target.js';

/**
 * The seam between the shared proxy core and an engine. The core decides where a request goes,
 * what it carries and what happens to the answer; a transport only moves bytes to and from one
 * endpoint. Sherpa and Olla differ here and nowhere else.
 */

/** One request to one endpoint, fully prepared by the core. */
export interface AttemptSpec {
  readonly endpoint: Endpoint;
  readonly target: UpstreamTarget;
  readonly method: string;
  /** Path and query, already joined to the endpoint's base path. */
  readonly path: string;
  /** Flat `[name, value, …]` list including Host and Content-Length. */
  readonly headers: string[];
  readonly body: RequestBody | undefined;
}

/**
 * Receives an attempt's events. Calls after the attempt has been settled (e.g. an error raised by
 * the abort the core itself requested) are ignored by the receiver.
 */
export interface AttemptListener {
  onUpstreamHeaders(attempt: UpstreamAttempt, status: number, headers: IncomingHttpHeaders): void;
  onUpstreamData(attempt: UpstreamAttempt, chunk: Buffer): void;
  onUpstreamEnd(attempt: UpstreamAttempt): void;
  onUpstreamError(attempt: UpstreamAttempt, error: Error): void;
}

/** A request in flight. Its events may arrive from inside `start` (undici reports bad arguments at once). */
export interface UpstreamAttempt {
  start(): void;
  /** Stop delivering body chunks until `resume` (the client is not keeping up). */
  pause(): void;
  resume(): void;
  /** Abandon the request and free its connection. A no-op once the response has ended. */
  abort(reason: Error): void;
}

export interface UpstreamTransport {
  open(listener: AttemptListener, spec: AttemptSpec): UpstreamAttempt;
  /** Drop every pooled connection. */
  close(): Promise<void>;
  /**
   * Replaced by another (a config reload): take no new attempts, let those in flight finish,
   * then drop the connections.
   */
  retire(): void;
}
