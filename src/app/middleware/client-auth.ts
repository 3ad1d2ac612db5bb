import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ClientKeyGate } from '../../adapter/client-keys/gate.js';
import type { ClientKey } from '../../core/domain/client-key.js';
import { UnauthorisedError } from '../../core/errors.js';
import { replyWithError } from './reply-error.js';
import { addRouteHook } from './route-hook.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The client API key the request presented (set on /olla/* when `server.auth.enabled`).
     * Its `priority` is what an admission queue should order the request by.
     */
    clientKey: ClientKey | null;
  }
}

/** Every client-facing route: the proxy, translator and model-listing routes live under /olla/. */
export function isClientRoute(route: string): boolean {
  return route.startsWith('/olla/');
}

/**
 * Client API keys (`server.auth.keys`): every /olla/* request must present a known key, as
 * `Authorization: Bearer <key>` or `x-api-key: <key>`, or gets 401 in its route's dialect. /internal/*
 * keeps its own rules (the admin token). Off, nothing is registered and requests pay nothing.
 * Register after the IP rate limit, so a flood of bad keys is throttled before it is hashed.
 */
export function registerClientAuth(app: FastifyInstance, gate: ClientKeyGate | undefined): void {
  if (gate === undefined) return;
  app.decorateRequest('clientKey', null);
  addRouteHook(
    app,
    isClientRoute,
    () =>
      function clientAuth(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
        const key = gate.identify(request.headers);
        if (key !== undefined) {
          request.clientKey = key;
          return done();
        }
        gate.refusedUnknown();
        reply.header('www-authenticate', 'Bearer realm="olla"');
        replyWithError(
          request,
          reply,
          new UnauthorisedError('A valid API key is required: Authorization: Bearer <key> or x-api-key: <key>'),
        );
      },
  );
}
