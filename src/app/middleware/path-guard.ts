import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { isTraversalPath } from '../../adapter/security/path-traversal.js';
import { BadRequestError } from '../../core/errors.js';
import { originForm } from '../handlers/proxy-target.js';
import { pathOf, replyWithError } from './reply-error.js';

/**
 * Refuses, on every route and before any handler or routing decision, a path whose segments are
 * `.` or `..` once percent-decoded (see `isTraversalPath`). The original's router cleans such
 * paths before routing; forwarding them as written would let a backend resolve them somewhere
 * other than the route the client named, so they never leave Olla.
 */
export function registerPathGuard(app: FastifyInstance): void {
  app.addHook(
    'onRequest',
    function pathGuard(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      if (!isTraversalPath(pathOf(originForm(request.raw.url ?? '/')))) return done();
      replyWithError(
        request,
        reply,
        new BadRequestError("request path has '.' or '..' segments (percent-encoded or not); send the resolved path"),
      );
    },
  );
}
