import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ClientIpResolver } from '../../adapter/security/client-ip.js';
import type { RateLimiter } from '../../adapter/security/rate-limit.js';
import { replyWithError } from './reply-error.js';
import { addRouteHook } from './route-hook.js';

const HEALTH_ROUTE = '/internal/health';

/**
 * The original limits only its proxy routes (the `/olla/proxy/` and `/olla/<prefix>/` catch-alls);
 * internal, model-listing and translator routes are exempt. Here those catch-alls are the
 * wildcard routes under /olla/.
 */
export function isProxyCatchAll(route: string): boolean {
  return route.startsWith('/olla/') && route.endsWith('*');
}

export interface RateLimitDeps {
  limiter: RateLimiter;
  clientIp: ClientIpResolver;
  /** Which routes (by pattern) are limited; defaults to the proxy catch-alls. */
  appliesTo?: (route: string) => boolean;
  /** Told of each refusal (security stats and metrics count them). */
  onRejected?: (clientIp: string, scope: 'health' | 'proxy') => void;
}

/**
 * Rate-limits requests on the root instance. Every limited request gets X-RateLimit-Limit,
 * -Remaining and -Reset, allowed or not; a refused one gets 429 with Retry-After in its route's
 * error dialect. Register after CORS so browser preflights are answered before they count.
 */
export function registerRateLimit(app: FastifyInstance, deps: RateLimitDeps): void {
  const { limiter, clientIp } = deps;
  const appliesTo = deps.appliesTo ?? isProxyCatchAll;

  // Limits off: nothing to count, so no hook and no X-RateLimit-* headers.
  if (!limiter.active) return;
  const hookFor = (isHealth: boolean) =>
    function rateLimit(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      const ip = clientIp(request.raw.socket.remoteAddress ?? '', request.headers);
      const verdict = limiter.check(ip, isHealth);
      reply.header('x-ratelimit-limit', verdict.limit);
      reply.header('x-ratelimit-remaining', verdict.remaining);
      reply.header('x-ratelimit-reset', verdict.reset);
      if (verdict.error === undefined) return done();
      deps.onRejected?.(ip, isHealth ? 'health' : 'proxy');
      replyWithError(request, reply, verdict.error);
    };
  // Shared limits need a round trip to the store; local ones stay a synchronous hook.
  const sharedHookFor = (isHealth: boolean) =>
    async function sharedRateLimit(request: FastifyRequest, reply: FastifyReply) {
      const ip = clientIp(request.raw.socket.remoteAddress ?? '', request.headers);
      const verdict = await limiter.checkShared(ip, isHealth);
      reply.header('x-ratelimit-limit', verdict.limit);
      reply.header('x-ratelimit-remaining', verdict.remaining);
      reply.header('x-ratelimit-reset', verdict.reset);
      if (verdict.error === undefined) return;
      deps.onRejected?.(ip, isHealth ? 'health' : 'proxy');
      replyWithError(request, reply, verdict.error);
      return reply;
    };
  const build = limiter.shared ? sharedHookFor : hookFor;
  const proxyHook = build(false);
  const healthHook = build(true);
  addRouteHook(app, appliesTo, (route: string) => (route === HEALTH_ROUTE ? healthHook : proxyHook));
}
