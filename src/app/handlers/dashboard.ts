import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { RecentEvent } from '../../adapter/stats/event-log.js';
import type { SeriesSnapshot } from '../../adapter/stats/time-series.js';
import { PACKAGE_ROOT } from '../version.js';

/**
 * The read-only dashboard at `/internal/ui/`: static files from `public/dashboard/` and one JSON
 * route of its own, `/internal/ui/api/series`, with the per-second history and the recent
 * failovers and health changes its charts draw. Everything else it shows comes from the status
 * routes. The access policy (allowed CIDRs and hosts) is applied by the admin middleware, which
 * covers this whole prefix; this module only registers routes.
 */

export const DASHBOARD_PREFIX = '/internal/ui/';

export interface DashboardDeps {
  /** `dashboard.enabled`: when false nothing is registered and the prefix answers 404. */
  enabled: boolean;
  series(seconds?: number): SeriesSnapshot;
  recentEvents(): RecentEvent[];
  /** Where the assets live; defaults to the package's `public/dashboard`. */
  root?: string;
}

/**
 * As strict as the page allows: its own scripts and styles only; inline style attributes are
 * allowed because chart bars size themselves through them.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const MAX_SERIES_SECONDS = 600;

export function registerDashboardRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  if (!deps.enabled) return;
  const root = deps.root ?? join(PACKAGE_ROOT, 'public', 'dashboard');
  const index = readFileSync(join(root, 'index.html'));

  app.register(async (ui) => {
    ui.addHook('onSend', async (_request, reply) => {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('x-frame-options', 'DENY');
      reply.header('content-security-policy', CSP);
      reply.header('referrer-policy', 'no-referrer');
    });

    await ui.register(fastifyStatic, {
      root,
      prefix: DASHBOARD_PREFIX,
      index: false,
      decorateReply: false,
      cacheControl: true,
      maxAge: 0,
    });

    // The server ignores trailing slashes, so this one route answers both spellings; the
    // slashless one is redirected so the page's relative links resolve under the prefix.
    ui.get(DASHBOARD_PREFIX, (request, reply) => {
      if (!request.url.split('?', 1)[0]!.endsWith('/')) {
        reply.redirect(DASHBOARD_PREFIX, 307);
        return;
      }
      reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
    });

    ui.get(`${DASHBOARD_PREFIX}api/series`, (request) => {
      const query = request.query as Record<string, string | undefined>;
      const asked = Number.parseInt(query.seconds ?? '', 10);
      const seconds = Number.isFinite(asked) ? Math.min(MAX_SERIES_SECONDS, Math.max(1, asked)) : undefined;
      return { series: deps.series(seconds), events: deps.recentEvents() };
    });
  });
}
