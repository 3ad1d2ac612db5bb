import type { FastifyInstance } from 'fastify';

/** `/internal/metrics`: the Prometheus text exposition. */

export interface MetricsRouteDeps {
  metrics: { readonly contentType: string; metrics(): Promise<string> };
}

export function registerMetricsRoutes(app: FastifyInstance, deps: MetricsRouteDeps): void {
  app.get('/internal/metrics', async (_request, reply) => {
    const text = await deps.metrics.metrics();
    reply.header('content-type', deps.metrics.contentType).send(text);
  });
}
