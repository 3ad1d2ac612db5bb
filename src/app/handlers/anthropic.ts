import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ModelCatalogue } from '../../adapter/registry/model-catalogue.js';
import type { TranslatorStats } from '../../adapter/stats/translator-stats.js';
import { backendsAcceptTopK } from '../../adapter/translator/anthropic/request.js';
import type { AnthropicTranslator } from '../../adapter/translator/anthropic/translator.js';
import type { AnthropicRequest } from '../../adapter/translator/anthropic/types.js';
import type { FallbackReason, TranslatorMode } from '../../adapter/translator/mode.js';
import { Header } from '../../core/constants.js';
import type { AnthropicSupport } from '../../core/domain/profile.js';
import type { ProxyEngine, ProxyRequest } from '../../core/ports/proxy.js';
import type { Logger } from '../../logger/logger.js';
import { requestIdFrom } from '../request-id.js';
import { hijackKeepingHeaders } from './hijack.js';
import { useRawBodies } from './raw-body-scope.js';
import { type RoutingDeps, routeRequest } from './route-request.js';

export interface AnthropicRouteDeps extends RoutingDeps {
  translator: AnthropicTranslator;
  stats: TranslatorStats;
  engine: ProxyEngine;
  catalogue: ModelCatalogue;
  anthropicSupport(endpointType: string): AnthropicSupport | undefined;
  clientIp(request: FastifyRequest): string;
  logger: Logger;
}

const ANY_TYPE = { types: [] as readonly string[], failClosed: false };

function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/**
 * `POST /olla/anthropic/v1/messages`: the request goes straight through to a backend that speaks
 * Anthropic natively (passthrough), or is translated to OpenAI chat completions and its answer
 * translated back, stream included. Selection, retry and streaming stay the engine's job.
 */
async function handleMessages(deps: AnthropicRouteDeps, request: FastifyRequest, reply: FastifyReply) {
  const startTime = performance.now();
  const requestId = requestIdFrom(request.headers[Header.incomingRequestId]);
  reply.header(Header.requestId, requestId);
  const body = bodyOf(request);
  const record = (
    model: string,
    streaming: boolean,
    mode: TranslatorMode,
    fallbackReason: FallbackReason,
    success: boolean,
  ) =>
    deps.stats.record({
      translatorName: deps.translator.name,
      model,
      mode,
      fallbackReason,
      success,
      streaming,
      latencyMs: performance.now() - startTime,
    });
  let parsed: AnthropicRequest;
  try {
    parsed = deps.translator.parse(body);
  } catch (err) {
    // Refused requests count too, as in the original: translation mode, no fallback reason.
    record('', false, 'translation', '', false);
    throw err;
  }
  const streaming = parsed.stream === true;

  let route: Awaited<ReturnType<typeof routeRequest>>;
  try {
    route = await routeRequest(deps, { ...ANY_TYPE, label: '' }, parsed.model, undefined, reply);
  } catch (err) {
    record(parsed.model, streaming, 'translation', 'no_compatible_endpoints', false);
    throw err;
  }

  const decision = deps.translator.decidePassthrough(parsed, route.endpoints, deps.anthropicSupport);
  const base = {
    requestId,
    startTime,
    method: 'POST',
    model: parsed.model,
    routing: route.decision,
    nativeModelName: route.nativeName?.bind(route),
    selection: { model: parsed.model, headers: request.headers, clientIp: deps.clientIp(request), body },
    dialect: 'anthropic' as const,
  };
  let proxyRequest: ProxyRequest;
  let mode: TranslatorMode;
  let fallbackReason: FallbackReason = '';
  if (decision.mode === 'passthrough') {
    mode = 'passthrough';
    deps.translator.notePassthrough(parsed, request.headers);
    reply.raw.setHeader('X-Olla-Mode', 'passthrough');
    proxyRequest = { ...base, targetPath: decision.targetPath, body, candidates: decision.endpoints };
  } else {
    mode = 'translation';
    fallbackReason = decision.fallbackReason;
    const translated = deps.translator.translate(parsed, {
      headers: request.headers,
      requestId,
      includeTopK: backendsAcceptTopK(route.endpoints.map((e) => e.type)),
    });
    proxyRequest = {
      ...base,
      targetPath: translated.targetPath,
      body: translated.openai,
      candidates: route.endpoints,
      interceptor: translated.interceptor,
    };
  }

  const result = await deps.engine.handle(request.raw, hijackKeepingHeaders(reply), proxyRequest);
  const success = !result.error && result.status < 400;
  record(parsed.model, streaming, mode, fallbackReason, success);
  deps.logger.info(
    {
      request_id: requestId,
      path: '/olla/anthropic/v1/messages',
      model: parsed.model,
      translator_mode: mode,
      ...(fallbackReason ? { fallback_reason: fallbackReason } : {}),
      endpoint: result.endpoint?.name,
      status: result.status,
      streaming,
      duration_ms: Math.round((performance.now() - startTime) * 10) / 10,
      retries: result.retries,
      ...(result.error ? { error: result.error.message } : {}),
    },
    success ? 'request completed' : 'request failed',
  );
}

/** The Anthropic Messages API under `/olla/anthropic/v1/`, when `translators.anthropic.enabled`. */
export function registerAnthropicRoutes(app: FastifyInstance, deps: AnthropicRouteDeps): void {
  app.register(async (scoped) => {
    useRawBodies(scoped, deps.translator.maxBodySize);

    scoped.post('/olla/anthropic/v1/messages', (request, reply) => handleMessages(deps, request, reply));

    scoped.post('/olla/anthropic/v1/messages/count_tokens', (request, reply) => {
      reply
        .header('content-type', 'application/json')
        .send(JSON.stringify(deps.translator.countTokens(bodyOf(request))));
    });

    scoped.get('/olla/anthropic/v1/models', (_request, reply) => {
      // The original lists each model under its first native name, which clients then send back.
      const ids = deps.catalogue.unified().map((m) => m.aliases[0] ?? m.id);
      reply.header('content-type', 'application/json').send(deps.translator.modelsList(ids));
    });
  });
}
