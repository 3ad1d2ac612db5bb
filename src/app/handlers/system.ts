import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';

export interface SystemRouteDeps {
  startedAt: number;
  /** Every route registered, as `METHOD /path`, for the /version listing. */
  routes(): readonly string[];
}

const HEALTH_BODY = '{"status":"healthy"}';

const CAPABILITIES = [
  'load_balancing',
  'health_checking',
  'rate_limiting',
  'model_unification',
  'endpoint_discovery',
  'message_translation',
  'translation_anthropic',
  'passthrough_anthropic',
  'sticky_sessions',
];

const SUPPORTED_BACKENDS = [
  'ollama',
  'lemonade',
  'litellm',
  'llamacpp',
  'lmdeploy',
  'lm_studio',
  'omlx',
  'sglang',
  'vllm',
  'vllm-mlx',
  'openai_compatible',
  'docker-model-runner',
];

/** Liveness, version and the endpoint list: the routes an operator reaches for first. */
export function registerSystemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  // Liveness only: Olla answers even when every backend is down, so orchestrators don't
  // restart a healthy proxy because a GPU box is rebooting.
  app.get('/internal/health', (_request, reply) => {
    reply.header('content-type', 'application/json').send(HEALTH_BODY);
  });

  app.get('/version', () => ({
    name: 'Olla',
    version: VERSION.version,
    edition: VERSION.edition,
    description: VERSION.description,
    build: { runtime: VERSION.runtime, platform: VERSION.platform },
    capabilities: CAPABILITIES,
    capabilities_experimental: ['translation_anthropic', 'passthrough_anthropic'],
    supported_backends: SUPPORTED_BACKENDS,
    api: {
      version: 'v1',
      endpoints: {
        health: '/internal/health',
        metrics: '/internal/metrics',
        status: '/internal/status',
        process: '/internal/process',
        version: '/version',
      },
    },
    routes: deps.routes(),
    uptime_seconds: Math.round((Date.now() - deps.startedAt) / 1000),
  }));
}
