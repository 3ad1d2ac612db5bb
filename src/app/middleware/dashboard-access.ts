import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { CidrMatcher, unmapIPv4 } from '../../adapter/security/cidr.js';
import type { DashboardConfig } from '../../config/types.js';
import { ForbiddenError } from '../../core/errors.js';
import { replyWithError } from './reply-error.js';
import { addRouteHook } from './route-hook.js';

/**
 * The dashboard's network gate, as the original's: the TCP peer (never a proxy header, which any
 * client can write) must be inside `allowed_cidrs`, and the Host must be an IP literal or listed
 * in `allowed_hosts`, which defeats DNS rebinding (a rebinding page reaches Olla under its own
 * hostname). A refusal names what failed, the address and Host seen, and the setting to change,
 * so an operator widens the right setting rather than opening it to the world.
 */

// The same hardening the dashboard's own pages carry; the 403 must not be framed or sniffed either.
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function isDashboardRoute(route: string): boolean {
  return route === '/internal/ui' || route.startsWith('/internal/ui/');
}

/** A Host header or allow-list entry without its port or IPv6 brackets, lower-cased. */
export function normaliseHost(host: string): string {
  let bare = host;
  if (bare.startsWith('[')) {
    const close = bare.indexOf(']');
    bare = close < 0 ? bare : bare.slice(1, close);
  } else {
    const colon = bare.indexOf(':');
    // More than one colon is a bare IPv6 literal, not host:port.
    if (colon >= 0 && bare.indexOf(':', colon + 1) < 0) bare = bare.slice(0, colon);
  }
  return bare.toLowerCase();
}

export function registerDashboardAccess(app: FastifyInstance, dashboard: DashboardConfig): void {
  if (!dashboard.enabled) return;
  const allowedCidrs = CidrMatcher.compile(
    dashboard.accessPolicy.allowedCidrs,
    'dashboard.access_policy.allowed_cidrs',
  );
  const allowedHosts = new Set(dashboard.accessPolicy.allowedHosts.map(normaliseHost));

  function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    reason: string,
    setting: string,
    ip: string,
    host: string,
  ) {
    request.log.warn({ reason, config_key: setting, client_ip: ip, host }, 'dashboard access denied');
    const message =
      `${reason} (ip=${ip}, host=${host}). ` +
      'Adjust dashboard.access_policy.allowed_hosts (or allowed_cidrs) in your config.';
    replyWithError(
      request,
      reply.headers(SECURITY_HEADERS),
      new ForbiddenError(message, { reason, config_key: setting }),
    );
  }

  addRouteHook(
    app,
    isDashboardRoute,
    () =>
      function dashboardAccess(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
        const ip = unmapIPv4(request.raw.socket.remoteAddress ?? '');
        const host = request.headers.host ?? '';
        if (!allowedCidrs.contains(ip)) {
          return refuse(request, reply, 'ip not in allowed range', 'dashboard.access_policy.allowed_cidrs', ip, host);
        }
        const bareHost = normaliseHost(host);
        if (isIP(bareHost) === 0 && !allowedHosts.has(bareHost)) {
          return refuse(request, reply, 'host not accepted', 'dashboard.access_policy.allowed_hosts', ip, host);
        }
        done();
      },
  );
}
