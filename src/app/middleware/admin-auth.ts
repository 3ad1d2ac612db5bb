import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { UnauthorisedError } from '../../core/errors.js';
import { replyWithError } from './reply-error.js';
import { addRouteHook } from './route-hook.js';

/**
 * Our addition: an optional bearer token (`server.auth.token`) guarding the /internal/* API.
 * `/internal/health` stays open so liveness probes need no secret, and the dashboard pages
 * (`/internal/ui*`) are left to the dashboard access policy because a browser cannot attach a
 * bearer token to a page load.
 */

function isGuarded(route: string): boolean {
  if (!route.startsWith('/internal/')) return false;
  return route !== '/internal/health' && route !== '/internal/ui' && !route.startsWith('/internal/ui/');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The credentials of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 7235). */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length < 7 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return header.slice(7).trim();
}

export function registerAdminAuth(app: FastifyInstance, auth: { token: string }): void {
  if (auth.token === '') return;
  // Comparing fixed-length digests keeps the comparison constant-time whatever the token length.
  const expected = digest(auth.token);

  addRouteHook(
    app,
    isGuarded,
    () =>
      function adminAuth(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
        const presented = bearerToken(request.headers.authorization);
        if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return done();
        reply.header('www-authenticate', 'Bearer realm="olla"');
        replyWithError(
          request,
          reply,
          new UnauthorisedError('A valid admin token is required: Authorization: Bearer <token>'),
        );
      },
  );
}
