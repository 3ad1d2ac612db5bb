import { Transform } from 'node:stream';
import { type ErrorDialect, errorResponse } from '../../core/error-body.js';
import { OllaError } from '../../core/errors.js';

/**
 * What every translator does with an upstream that answered with an error: read (a bounded
 * part of) its body for the message and answer in the client's dialect with the upstream status.
 */

/** Headers of a translated JSON reply (error or success). */
export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** How much of an upstream error body is read for its message (the original's cap). */
export const MAX_UPSTREAM_ERROR_BYTES = 1024 * 1024;

/** A backend's own error status, carried through to the client in its dialect's error shape. */
export class UpstreamStatusError extends OllaError {
  readonly code = 'OLLA_ERR_UPSTREAM_FAILED';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The message of an error value: a string, or an object's `message`; `Backend error` otherwise. */
export function errorText(error: unknown): string {
  if (typeof error === 'string' && error !== '') return error;
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
  }
  return 'Backend error';
}

/** The message inside an OpenAI (`{"error":{"message"}}`) or Ollama (`{"error":"…"}`) error body. */
export function upstreamErrorMessage(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown };
    return errorText(parsed?.error);
  } catch {
    // Plain text or HTML from a proxy in front of the backend: the status still tells the story.
    return 'Backend error';
  }
}

/** Buffers a whole body (keeping at most `limit` bytes), then emits what `finish` makes of it. */
export function collectingTransform(limit: number, finish: (body: Buffer) => string): Transform {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (size < limit) {
        const kept = size + chunk.length > limit ? chunk.subarray(0, limit - size) : chunk;
        chunks.push(kept);
        size += kept.length;
      }
      callback();
    },
    flush(callback) {
      try {
        callback(null, finish(Buffer.concat(chunks, size)));
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/** Reads an upstream error body and answers with the dialect's error shape and the upstream status. */
export function createUpstreamErrorTransform(status: number, dialect: ErrorDialect, requestId?: string): Transform {
  return collectingTransform(MAX_UPSTREAM_ERROR_BYTES, (body) => {
    return errorResponse(new UpstreamStatusError(status, upstreamErrorMessage(body)), dialect, requestId).body;
  });
}
