import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ClientKeyGate } from '../../adapter/client-keys/gate.js';
import type { ClientKey } from '../../core/domain/client-key.js';
import { UnauthorisedError } from '../../core/errors.js';
import type { HeaderSink } from '../handlers/route-request.js';
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
 * The key a request presents, as `Authorization: Bearer <key>` or `x-api-key: <key>`, or the 401
 * (its `WWW-Authenticate` set on `sink`) when it presents none the gate knows.
 */
export function identifyClient(
  gate: ClientKeyGate,
  headers: IncomingHttpHeaders,
  sink: HeaderSink,
): ClientKey | UnauthorisedError {
  const key = gate.identify(headers);
  if (key !== undefined) return key;
  gate.refusedUnknown();
  sink.header('www-authenticate', 'Bearer realm="olla"');
  return new UnauthorisedError('A valid API key is required: Authorization: Bearer <key> or x-api-key: <key>');
}

/**
 * Client API keys (`server.auth.keys`): every /olla/* request must present a known key or gets 401
 * in its route's dialect. /internal/* keeps its own rules (the admin token). Off, nothing is
 * registered and requests pay nothing. Register after the IP rate limit, so a flood of bad keys is
 * throttled before it is hashed.
 */
export function registerClientAuth(app: FastifyInstance, gate: ClientKeyGate | undefined): void {
  if (gate === undefined) return;
  app.decorateRequest('clientKey', null);
  addRouteHook(
    app,
    isClientRoute,
    () =>
      function clientAuth(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
        const key = identifyClient(gate, request.headers, reply);
        if (key instanceof UnauthorisedError) return void replyWithError(request, reply, key);
        request.clientKey = key;
        done();
      },
  );
}
