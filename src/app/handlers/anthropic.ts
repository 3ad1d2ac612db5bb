import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientKeyGate, MeteringTap } from '../../adapter/client-keys/gate.js';
import type { ModelCatalogue } from '../../adapter/registry/model-catalogue.js';
import type { TranslatorRequestEvent, TranslatorStats } from '../../adapter/stats/translator-stats.js';
import type { AnthropicTranslator } from '../../adapter/translator/anthropic/translator.js';
import type { AnthropicRequest } from '../../adapter/translator/anthropic/types.js';
import type { AnthropicEnvelope } from '../../adapter/translator/anthropic/validate.js';
import type { FallbackReason, TranslatorMode } from '../../adapter/translator/mode.js';
import { Header } from '../../core/constants.js';
import { commonChatDialect } from '../../core/domain/chat-dialect.js';
import type { AnthropicSupport } from '../../core/domain/profile.js';
import { RequestBody } from '../../core/domain/request-body.js';
import type { ProxyEngine, ProxyRequest, ProxyResult } from '../../core/ports/proxy.js';
import type { RequestTracer } from '../../core/ports/tracer.js';
import type { Logger } from '../../logger/logger.js';
import { requestIdFrom } from '../request-id.js';
import { requestPriority } from '../request-priority.js';
import { underClientKey } from './client-admission.js';
import { type FleetRoutingDeps, routeThroughFleet } from './fleet-route.js';
import { hijackKeepingHeaders } from './hijack.js';
import { visibleModels } from './models.js';
import { useRawBodies } from './raw-body-scope.js';
import { nativeNamesOf } from './route-request.js';
import { underTrace } from './traced-routing.js';
import { logTranslatedRequest } from './translated-request-log.js';

export interface AnthropicRouteDeps extends FleetRoutingDeps {
  /** Read once per request: a config reload may swap it for one with new settings. */
  translator: AnthropicTranslator;
  stats: TranslatorStats;
  engine: ProxyEngine;
  catalogue: ModelCatalogue;
  anthropicSupport(endpointType: string): AnthropicSupport | undefined;
  clientIp(request: FastifyRequest): string;
  logger: Logger;
  /** Only while telemetry is on. */
  tracer?: RequestTracer;
  /** Client API keys, when `server.auth.enabled`. */
  keys?: ClientKeyGate;
}

const MESSAGES_ROUTE = '/olla/anthropic/v1/messages';

const ANY_TYPE = { types: [] as readonly string[], failClosed: false };

function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

type TranslationOutcome = Pick<TranslatorRequestEvent, 'model' | 'streaming' | 'mode' | 'fallbackReason' | 'success'>;

function recordTranslation(deps: AnthropicRouteDeps, startTime: number, outcome: TranslationOutcome): void {
  deps.stats.record({ translatorName: deps.translator.name, ...outcome, latencyMs: performance.now() - startTime });
}

/** A request refused before it could be read or parsed: translation mode, no fallback reason, as in the original. */
const REFUSED: TranslationOutcome = {
  model: '',
  streaming: false,
  mode: 'translation',
  fallbackReason: '',
  success: false,
};

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
  ) => recordTranslation(deps, startTime, { model, streaming, mode, fallbackReason, success });
  // Read once: a config reload may swap the translator, and this request keeps the one it began with.
  const translator = deps.translator;
  let parsed: AnthropicEnvelope;
  try {
    parsed = translator.parse(body);
  } catch (err) {
    recordTranslation(deps, startTime, REFUSED);
    throw err;
  }
  const streaming = parsed.stream === true;

  await underClientKey(deps.keys, request, reply, parsed.model, body.length, (tap) =>
    forwardMessages(deps, request, reply, { translator, parsed, body, requestId, startTime, streaming, tap, record }),
  );
}

interface MessagesExchange {
  translator: AnthropicTranslator;
  parsed: AnthropicEnvelope;
  body: Buffer;
  requestId: string;
  startTime: number;
  streaming: boolean;
  tap: MeteringTap | undefined;
  record(
    model: string,
    streaming: boolean,
    mode: TranslatorMode,
    fallbackReason: FallbackReason,
    success: boolean,
  ): void;
}

/** Routes, passes through or translates, and logs one Messages request; resolves to the status sent. */
async function forwardMessages(
  deps: AnthropicRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  { translator, parsed, body, requestId, startTime, streaming, tap, record }: MessagesExchange,
): Promise<number> {
  const original = RequestBody.of(body);
  const selection = {
    model: parsed.model,
    headers: request.headers,
    clientIp: deps.clientIp(request),
    body: original,
    priority: requestPriority(request.headers, request.clientKey),
  };
  let mode: TranslatorMode = 'translation';
  let fallbackReason: FallbackReason = '';
  // What a refusal is counted as: no compatible endpoint until routing has found some.
  let refusalReason: FallbackReason = 'no_compatible_endpoints';
  let served = parsed;
  let result: ProxyResult;
  const trace = deps.tracer?.startRequest({
    method: 'POST',
    targetPath: '/v1/messages',
    model: parsed.model,
    headers: request.headers,
  });
  try {
    result = await underTrace(
      trace,
      routeThroughFleet(
        deps,
        { ...ANY_TYPE, label: '' },
        { model: parsed.model, required: undefined, sink: reply, client: reply.raw, priority: selection.priority },
        (link) => {
          const model = link.model ?? parsed.model;
          // A fallback model replaces the client's in the body, as an alias does (byte-span rewrite).
          const raw = link.fellBack ? original.withTopLevelString('model', model) : original;
          served = link.fellBack ? { ...parsed, model } : parsed;
          const route = link.route;
          const decision = translator.decidePassthrough(served, route.endpoints, deps.anthropicSupport);
          const base = {
            requestId,
            startTime,
            method: 'POST',
            model,
            routing: link.decision,
            nativeNames: nativeNamesOf(route),
            selection: { ...selection, model, body: raw },
            dialect: 'anthropic' as const,
            ...(tap ? { tap } : {}),
            ...(trace ? { trace } : {}),
          };
          let proxyRequest: ProxyRequest;
          if (decision.mode === 'passthrough') {
            mode = 'passthrough';
            fallbackReason = '';
            translator.notePassthrough(served, request.headers);
            reply.raw.setHeader('X-Olla-Mode', 'passthrough');
            // The query goes along (Claude Code sends `?beta=true`), as do the body and anthropic-* headers.
            const query = request.url.indexOf('?');
            const targetPath = query < 0 ? decision.targetPath : decision.targetPath + request.url.slice(query);
            proxyRequest = { ...base, targetPath, body: raw, candidates: decision.endpoints };
          } else {
            mode = 'translation';
            fallbackReason = decision.fallbackReason;
            refusalReason = fallbackReason;
            // Only translation needs the whole request checked; passthrough leaves that to the backend.
            const validated: AnthropicRequest = translator.validate(served);
            const translated = translator.translate(validated, {
              headers: request.headers,
              requestId,
              dialect: commonChatDialect(route.endpoints.map((e) => e.type)),
              onDroppedBlock: (type) =>
                deps.logger.debug(
                  { request_id: requestId, block_type: type },
                  'anthropic block not translatable, left out',
                ),
            });
            proxyRequest = {
              ...base,
              targetPath: translated.targetPath,
              body: RequestBody.of(translated.openai),
              candidates: route.endpoints,
              interceptor: translated.interceptor,
            };
          }
          return deps.engine.handle(request.raw, hijackKeepingHeaders(reply), proxyRequest);
        },
      ),
    );
  } catch (err) {
    record(served.model, streaming, 'translation', refusalReason, false);
    throw err;
  }

  const success = logTranslatedRequest(
    deps.logger,
    {
      requestId,
      path: MESSAGES_ROUTE,
      model: served.model,
      mode,
      fallbackReason,
      streaming,
      startTime,
      key: tap ? request.clientKey?.name : undefined,
    },
    result,
  );
  record(served.model, streaming, mode, fallbackReason, success);
  return result.status;
}

/** The Anthropic Messages API under `/olla/anthropic/v1/`, when `translators.anthropic.enabled`. */
export function registerAnthropicRoutes(app: FastifyInstance, deps: AnthropicRouteDeps): void {
  app.register(async (scoped) => {
    // Refused before the handler ran, so counted here, like any other refused message.
    useRawBodies(scoped, deps.translator.maxBodySize, (request) => {
      if (request.routeOptions.url === MESSAGES_ROUTE) recordTranslation(deps, performance.now(), REFUSED);
    });

    scoped.post(MESSAGES_ROUTE, (request, reply) => handleMessages(deps, request, reply));

    scoped.post('/olla/anthropic/v1/messages/count_tokens', (request, reply) => {
      reply
        .header('content-type', 'application/json')
        .send(JSON.stringify(deps.translator.countTokens(bodyOf(request))));
    });

    scoped.get('/olla/anthropic/v1/models', (request, reply) => {
      // The original lists each model under its first native name, which clients then send back.
      const ids = visibleModels(deps.keys, request, deps.catalogue.listed()).map((m) => m.aliases[0] ?? m.id);
      reply.header('content-type', 'application/json').send(deps.translator.modelsList(ids));
    });
  });
}
