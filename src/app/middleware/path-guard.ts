import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { isTraversalPath } from '../../adapter/security/path-traversal.js';
import { BadRequestError } from '../../core/errors.js';
import { originForm, pathOf } from '../handlers/proxy-target.js';
import { replyWithError } from './reply-error.js';

/**
 * The refusal for a path whose segments are `.` or `..` once percent-decoded (see
 * `isTraversalPath`), or undefined. The original's router cleans such paths before routing;
 * forwarding them as written would let a backend resolve them somewhere other than the route the
 * client named, so they never leave Olla.
 */
export function traversalRefusal(url: string): BadRequestError | undefined {
  if (!isTraversalPath(pathOf(originForm(url)))) return undefined;
  return new BadRequestError("request path has '.' or '..' segments (percent-encoded or not); send the resolved path");
}

/** Refuses a traversal path on every route, before any handler or routing decision. */
export function registerPathGuard(app: FastifyInstance): void {
  app.addHook(
    'onRequest',
    function pathGuard(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      const refusal = traversalRefusal(request.raw.url ?? '/');
      if (refusal === undefined) return done();
      replyWithError(request, reply, refusal);
    },
  );
}
