import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ClientIpResolver } from '../../adapter/security/client-ip.js';
import type { RateLimiter, RateLimitVerdict } from '../../adapter/security/rate-limit.js';
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

  const answer = (
    request: FastifyRequest,
    reply: FastifyReply,
    verdict: RateLimitVerdict,
    ip: string,
    isHealth: boolean,
  ): boolean => {
    reply.header('x-ratelimit-limit', verdict.limit);
    reply.header('x-ratelimit-remaining', verdict.remaining);
    reply.header('x-ratelimit-reset', verdict.reset);
    if (verdict.error === undefined) return true;
    deps.onRejected?.(ip, isHealth ? 'health' : 'proxy');
    replyWithError(request, reply, verdict.error);
    return false;
  };
  // Registered whatever the limits, so a config reload can switch them on; while they are off
  // (the original then lets every request through) a request costs one flag read, and gets no
  // X-RateLimit-* headers. Shared limits need a round trip to the store; local ones stay synchronous.
  const hookFor = (isHealth: boolean) =>
    function rateLimit(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
      if (!limiter.active) return done();
      const ip = clientIp(request.raw.socket.remoteAddress ?? '', request.headers);
      if (!limiter.shared) {
        if (answer(request, reply, limiter.check(ip, isHealth), ip, isHealth)) done();
        return;
      }
      limiter.checkShared(ip, isHealth).then(
        (verdict) => answer(request, reply, verdict, ip, isHealth) && done(),
        (err: Error) => done(err),
      );
    };
  const proxyHook = hookFor(false);
  const healthHook = hookFor(true);
  addRouteHook(app, appliesTo, (route: string) => (route === HEALTH_ROUTE ? healthHook : proxyHook));
}
