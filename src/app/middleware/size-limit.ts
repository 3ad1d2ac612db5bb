import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { RequestSizeLimits } from '../../adapter/security/size-limit.js';
import { pathOf, replyWithError } from './reply-error.js';

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
      const raw = request.raw;
      const headerError = limits.checkHeaders(request.method, pathOf(request.url), raw.rawHeaders);
      if (headerError !== undefined) {
        onRejected?.();
        return void replyWithError(request, reply, headerError);
      }
      const bodyError = limits.checkContentLength(request.headers['content-length']);
      if (bodyError !== undefined) {
        onRejected?.();
        reply.header('connection', 'close');
        return void replyWithError(request, reply, bodyError);
      }
      done();
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
