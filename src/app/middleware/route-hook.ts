import type { FastifyInstance, onRequestHookHandler } from 'fastify';

/**
 * Attaches an onRequest hook to every route whose pattern `applies`, as routes are registered,
 * instead of one global hook that asks every request which route it matched. Routes it does not
 * guard pay nothing, and the decision keys on the route pattern, which a client cannot
 * percent-encode past. `hookFor` receives the route pattern. Call before the routes are registered.
 */
export function addRouteHook(
  app: FastifyInstance,
  applies: (route: string) => boolean,
  hookFor: (route: string) => onRequestHookHandler,
): void {
  app.addHook('onRoute', (route) => {
    if (!applies(route.url)) return;
    const hook = hookFor(route.url);
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
}
