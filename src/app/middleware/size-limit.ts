import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { RequestSizeLimits } from '../../adapter/security/size-limit.js';
import type { HeadersTooLargeError, PayloadTooLargeError } from '../../core/errors.js';
import type { HeaderSink } from '../handlers/route-request.js';
import { pathOf } from '../handlers/proxy-target.js';
import { replyWithError } from './reply-error.js';

/**
 * The refusal a request's size draws before any of its body is read, or undefined: 431 for
 * oversized headers, 413 for an oversized declared body, which also closes the connection
 * (`Connection: close` on `sink`) because the rest of that body is never read.
 */
export function sizeRefusal(
  limits: RequestSizeLimits,
  method: string,
  url: string,
  rawHeaders: readonly string[],
  contentLength: string | undefined,
  sink: HeaderSink,
): HeadersTooLargeError | PayloadTooLargeError | undefined {
  const headerError = limits.checkHeaders(method, pathOf(url), rawHeaders);
  if (headerError !== undefined) return headerError;
  const bodyError = limits.checkContentLength(contentLength);
  if (bodyError !== undefined) sink.header('connection', 'close');
  return bodyError;
}

/**
 * Enforces request size limits on every route, as the original does: oversized headers get 431 and
 * an oversized declared body 413 before any of it is read; a chunked body is counted as fastify
 * reads it and fails with 413 past the limit. The connection is closed after a 413, because the
 * rest of the body is never read.
 */
export function registerSizeLimits(app: FastifyInstance, limits: RequestSizeLimits, onRejected?: () => void): void {
  app.addHook(
    'onRequest',
    function sizeLimits(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      const refusal = sizeRefusal(
        limits,
        request.method,
        request.url,
        request.raw.rawHeaders,
        request.headers['content-length'],
        reply,
      );
      if (refusal === undefined) return done();
      onRejected?.();
      replyWithError(request, reply, refusal);
    },
  );

  // Registered whatever the start-up limit, so a reload can set one; no limit passes straight on.
  app.addHook('preParsing', function countBody(request: FastifyRequest, reply: FastifyReply, payload: Readable, done) {
    const headers = request.headers;
    if (!limits.needsStreamingCheck(headers['content-length'], headers['transfer-encoding'])) {
      done(null, payload);
      return;
    }
    const counter = limits.limitStream();
    counter.once('error', () => reply.header('connection', 'close'));
    payload.once('error', (err) => counter.destroy(err));
    done(null, payload.pipe(counter));
  });
}
