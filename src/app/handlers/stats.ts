import type { FastifyInstance } from 'fastify';
import type { StatsCollector } from '../../adapter/stats/collector.js';
import { buildModelStatsResponse } from '../../adapter/stats/model-stats-report.js';
import type { ProcessMonitor } from '../../adapter/stats/process-report.js';

/**
 * `/internal/stats/models` (per-model request statistics), `/internal/stats/translators`,
 * `/internal/stats/sticky`, `/internal/stats/keys` and `/internal/process`.
 */

export interface StatsRouteDeps {
  stats: StatsCollector;
  process: ProcessMonitor;
  /** The translator stats body, already shaped as the original's. */
  translators?: () => unknown;
  /** The sticky-session stats body (`{"enabled":false}` when off). */
  sticky?: () => unknown;
  /** Admission-queue figures per model, when some endpoint has a concurrency limit. */
  queue?: () => unknown;
  /** Usage per client API key (`{"enabled":false}` when keys are off). */
  keys?: () => Promise<unknown>;
  now?: () => number;
}

export function registerStatsRoutes(app: FastifyInstance, deps: StatsRouteDeps): void {
  const now = deps.now ?? Date.now;

  app.get('/internal/stats/models', (request) => {
    const query = request.query as Record<string, string | undefined>;
    const body = buildModelStatsResponse(deps.stats.modelStats(), {
      includeEndpoints: query.include_endpoints === 'true',
      includeSummary: query.include_summary === 'true',
      now: now(),
    });
    return deps.queue ? { ...body, queue: deps.queue() } : body;
  });

  app.get('/internal/process', () => deps.process.report(now()));

  const { translators, sticky, keys } = deps;
  if (translators) app.get('/internal/stats/translators', () => translators());
  if (sticky) app.get('/internal/stats/sticky', () => sticky());
  if (keys) app.get('/internal/stats/keys', () => keys());
}
