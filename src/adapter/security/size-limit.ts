import { constants as bufferConstants } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import type { ServerConfig } from '../../config/types.js';
import { HeadersTooLargeError, PayloadTooLargeError } from '../../core/errors.js';

/**
 * Request size limits, checked before any body byte is read: headers against `max_header_size`
 * (431) and a declared Content-Length against `max_body_size` (413, at once). Chunked bodies,
 * whose size is unknown up front, are counted as they stream and cut off at the limit.
 */

type RequestLimits = ServerConfig['requestLimits'];

/** Go's http.DefaultMaxHeaderBytes, used by the original when the setting is unset. */
const DEFAULT_MAX_HEADER_SIZE = 1 << 20;
/** A smaller configured value is raised to this, so a typo cannot refuse every request. */
const MIN_HEADER_SIZE = 4096;
/** Room above the policy limit for Node's own parser, as Go's server allows 4 KiB over MaxHeaderBytes. */
const PARSER_SLACK = 4096;
/** Per-value framing the original adds to its header estimate (": " and CRLF). */
const HEADER_OVERHEAD = 4;
const PROTOCOL = 'HTTP/1.1';

/** The header limit actually enforced for a configured `max_header_size`. */
export function effectiveMaxHeaderSize(configured: number): number {
  if (configured <= 0) return DEFAULT_MAX_HEADER_SIZE;
  return Math.max(configured, MIN_HEADER_SIZE);
}

/**
 * The most body bytes a request may bring at all (fastify's `bodyLimit`, the raw lane's cap): the
 * configured `max_body_size`, or with 0 (no limit, as the original reads it) the largest buffer
 * Node can hold, since a body is read whole.
 */
export function bodyCap(limits: RequestLimits): number {
  return limits.maxBodySize > 0 ? limits.maxBodySize : bufferConstants.MAX_LENGTH;
}

/**
 * The value for Node's `http.createServer({ maxHeaderSize })` (fastify's `http` option). Node's
 * parser is the hard cap and answers a bare 431 on its own; setting it a little above the policy
 * limit lets `checkHeaders` answer first, with a shaped error body.
 */
export function nodeMaxHeaderSize(limits: RequestLimits): number {
  return effectiveMaxHeaderSize(limits.maxHeaderSize) + PARSER_SLACK;
}

export class RequestSizeLimits {
  maxBodySize = 0;
  maxHeaderSize = 0;

  constructor(limits: RequestLimits) {
    this.reconfigure(limits);
  }

  /**
   * The limits of a config reload, for requests that arrive from now. Node's parser keeps the
   * header cap and fastify the body cap the server was created with, so a reload may lower
   * these but raising them past the start-up values waits for a restart.
   */
  reconfigure(limits: RequestLimits): void {
    this.maxBodySize = limits.maxBodySize;
    this.maxHeaderSize = effectiveMaxHeaderSize(limits.maxHeaderSize);
  }

  /**
   * Estimates header bytes as the original does (names, values, 4 bytes of framing per value, and
   * the request line), from Node's `rawHeaders`. Host is left out: Go keeps it apart from the
   * header map the original measures.
   */
  checkHeaders(method: string, path: string, rawHeaders: readonly string[]): HeadersTooLargeError | undefined {
    let size = method.length + path.length + PROTOCOL.length + 4;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      if (name.length === 4 && name.toLowerCase() === 'host') continue;
      size += name.length + rawHeaders[i + 1]!.length + HEADER_OVERHEAD;
    }
    if (size <= this.maxHeaderSize) return undefined;
    return new HeadersTooLargeError('Request headers too large', { limit: this.maxHeaderSize });
  }

  /** Refuses a declared body over the limit before a byte of it is read. */
  checkContentLength(contentLength: string | undefined): PayloadTooLargeError | undefined {
    if (this.maxBodySize <= 0 || contentLength === undefined) return undefined;
    const declared = Number(contentLength);
    if (!(declared > this.maxBodySize)) return undefined;
    return this.#tooLarge();
  }

  /** Whether a body must be counted as it streams: only a chunked one, whose size is not declared. */
  needsStreamingCheck(contentLength: string | undefined, transferEncoding: string | undefined): boolean {
    return this.maxBodySize > 0 && contentLength === undefined && transferEncoding !== undefined;
  }

  /** A pass-through that fails with PayloadTooLargeError once more than the body limit has flowed. */
  limitStream(): Transform {
    return new BodySizeCounter(this.maxBodySize, () => {
      // fastify's body reader turns a stream error without a 4xx `statusCode` into a 400.
      return Object.assign(this.#tooLarge(), { statusCode: 413 });
    });
  }

  #tooLarge(): PayloadTooLargeError {
    return new PayloadTooLargeError('Request body too large', { limit: this.maxBodySize });
  }
}

class BodySizeCounter extends Transform {
  #seen = 0;
  readonly #limit: number;
  readonly #tooLarge: () => Error;

  constructor(limit: number, tooLarge: () => Error) {
    super();
    this.#limit = limit;
    this.#tooLarge = tooLarge;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#limit) callback(this.#tooLarge());
    else callback(null, chunk);
  }
}
