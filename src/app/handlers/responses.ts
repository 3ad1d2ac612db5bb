import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientKeyGate, MeteringTap } from '../../adapter/client-keys/gate.js';
import type { TranslatorStats } from '../../adapter/stats/translator-stats.js';
import type { FallbackReason, TranslatorMode } from '../../adapter/translator/mode.js';
import type { ResponsesTranslator } from '../../adapter/translator/responses/translator.js';
import type { ResponsesRequest } from '../../adapter/translator/responses/types.js';
import { Header } from '../../core/constants.js';
import { RequestBody } from '../../core/domain/request-body.js';
import type { ProxyEngine, ProxyRequest } from '../../core/ports/proxy.js';
import type { RequestTracer } from '../../core/ports/tracer.js';
import type { Logger } from '../../logger/logger.js';
import { requestIdFrom } from '../request-id.js';
import { underClientKey } from './client-admission.js';
import { hijackKeepingHeaders } from './hijack.js';
import type { ProviderScope } from './proxy.js';
import { useRawBodies } from './raw-body-scope.js';
import { type CandidateScope, nativeNamesOf, type RoutingDeps, routeRequest } from './route-request.js';
import { underTrace } from './traced-routing.js';
import { logTranslatedRequest } from './translated-request-log.js';

export interface ResponsesRouteDeps extends RoutingDeps {
  /** Read once per request: a config reload may swap it for one with new settings. */
  translator: ResponsesTranslator;
  stats: TranslatorStats;
  engine: ProxyEngine;
  /** OpenAI-style provider routes: each gets `/olla/<prefix>/v1/responses`. */
  providers: readonly ProviderScope[];
  responsesSupport(endpointType: string): { enabled: boolean; path: string } | undefined;
  clientIp(request: FastifyRequest): string;
  logger: Logger;
  /** Client API keys, when `server.auth.enabled`. */
  keys?: ClientKeyGate;
  /** Only while telemetry is on. */
  tracer?: RequestTracer;
}

/** Tells clients which tools or items had no chat-completions equivalent and were left out. */
export const WARNING_HEADER = 'x-olla-warning';

async function handleResponses(
  deps: ResponsesRouteDeps,
  scope: CandidateScope,
  path: string,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const startTime = performance.now();
  const requestId = requestIdFrom(request.headers[Header.incomingRequestId]);
  reply.header(Header.requestId, requestId);
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const record = (model: string, streaming: boolean, mode: TranslatorMode, reason: FallbackReason, success: boolean) =>
    deps.stats.record({
      translatorName: deps.translator.name,
      model,
      mode,
      fallbackReason: reason,
      success,
      streaming,
      latencyMs: performance.now() - startTime,
    });
  // Read once: a config reload may swap the translator, and this request keeps the one it began with.
  const translator = deps.translator;
  let parsed: ResponsesRequest;
  try {
    parsed = translator.parse(body);
    translator.history(parsed);
  } catch (err) {
    record('', false, 'translation', '', false);
    throw err;
  }
  const streaming = parsed.stream === true;
  await underClientKey(deps.keys, request, reply, parsed.model, body.length, (tap) =>
    forwardResponses(deps, scope, path, request, reply, {
      translator,
      parsed,
      body,
      requestId,
      startTime,
      streaming,
      tap,
      record,
    }),
  );
}

interface ResponsesExchange {
  translator: ResponsesTranslator;
  parsed: ResponsesRequest;
  body: Buffer;
  requestId: string;
  startTime: number;
  streaming: boolean;
  tap: MeteringTap | undefined;
  record(model: string, streaming: boolean, mode: TranslatorMode, reason: FallbackReason, success: boolean): void;
}

/** Routes, passes through or translates, and logs one Responses request; resolves to the status sent. */
async function forwardResponses(
  deps: ResponsesRouteDeps,
  scope: CandidateScope,
  path: string,
  request: FastifyRequest,
  reply: FastifyReply,
  { translator, parsed, body, requestId, startTime, streaming, tap, record }: ResponsesExchange,
): Promise<number> {
  let route: Awaited<ReturnType<typeof routeRequest>>;
  try {
    route = await routeRequest(deps, scope, parsed.model, undefined, reply);
  } catch (err) {
    record(parsed.model, streaming, 'translation', 'no_compatible_endpoints', false);
    throw err;
  }

  const trace = deps.tracer?.startRequest({
    method: 'POST',
    targetPath: '/v1/responses',
    model: parsed.model,
    headers: request.headers,
  });
  const decision = translator.decidePassthrough(parsed, route.endpoints, deps.responsesSupport);
  const original = RequestBody.of(body);
  const base = {
    requestId,
    startTime,
    method: 'POST',
    model: parsed.model,
    routing: route.decision,
    nativeNames: nativeNamesOf(route),
    selection: { model: parsed.model, headers: request.headers, clientIp: deps.clientIp(request), body: original },
    dialect: 'openai' as const,
    ...(tap ? { tap } : {}),
    ...(trace ? { trace } : {}),
  };
  let proxyRequest: ProxyRequest;
  let mode: TranslatorMode = 'passthrough';
  let fallbackReason: FallbackReason = '';
  if (decision.mode === 'passthrough') {
    reply.raw.setHeader('X-Olla-Mode', 'passthrough');
    proxyRequest = { ...base, targetPath: decision.targetPath, body: original, candidates: decision.endpoints };
  } else {
    mode = 'translation';
    fallbackReason = decision.fallbackReason;
    const translated = translator.translate(parsed);
    if (translated.dropped.length > 0) {
      reply.raw.setHeader(WARNING_HEADER, `dropped without a chat equivalent: ${translated.dropped.join(', ')}`);
    }
    proxyRequest = {
      ...base,
      targetPath: translated.targetPath,
      body: RequestBody.of(translated.chat),
      candidates: route.endpoints,
      panic: route.panic,
      interceptor: translated.interceptor,
    };
  }

  const result = await underTrace(trace, deps.engine.handle(request.raw, hijackKeepingHeaders(reply), proxyRequest));
  const success = logTranslatedRequest(
    deps.logger,
    {
      requestId,
      path,
      model: parsed.model,
      mode,
      fallbackReason,
      streaming,
      startTime,
      key: tap ? request.clientKey?.name : undefined,
    },
    result,
  );
  record(parsed.model, streaming, mode, fallbackReason, success);
  return result.status;
}

/** `POST /olla/proxy/v1/responses` and `/olla/<prefix>/v1/responses` for every OpenAI-style provider. */
export function registerResponsesRoutes(app: FastifyInstance, deps: ResponsesRouteDeps): void {
  app.register(async (scoped) => {
    useRawBodies(scoped, deps.translator.maxBodySize);
    const mount = (prefix: string, scope: CandidateScope) => {
      const path = `/olla/${prefix}/v1/responses`;
      scoped.post(path, (request, reply) => handleResponses(deps, scope, path, request, reply));
    };
    mount('proxy', { types: [], failClosed: false, label: '' });
    for (const p of deps.providers) {
      if (p.prefix === 'proxy' || p.prefix === 'anthropic' || !p.profile.api.openaiCompatible) continue;
      mount(p.prefix, { types: p.types, failClosed: p.failClosed, label: `${p.profile.displayName} ` });
    }
  });
}
