/**
 * Which paths each flavour answers, and how. Built once per backend; every flavour answers the
 * generic OpenAI routes and `/echo`, and adds its own model list, health path and native API.
 */
import { createHash } from 'node:crypto';
import * as anthropic from './dialects/anthropic.js';
import * as ollama from './dialects/ollama.js';
import * as openai from './dialects/openai.js';
import type { Dialect, Exchange } from './exchange.js';
import { NDJSON_CONTENT_TYPE, SSE_CONTENT_TYPE, sseEvent } from './framing.js';
import { findModel, lmStudioModels, normaliseModels, ollamaShow, ollamaTags, openAiModels } from './models.js';
import { estimatePromptTokens, mockEmbedding, planReply, type ReplyPlan } from './reply.js';
import type { MockFlavour, MockModel } from './types.js';

/** The live settings a handler answers from (the backend mutates them at run time). */
export interface BackendSettings {
  readonly name: string;
  readonly flavour: MockFlavour;
  models: MockModel[];
  tokens: number;
  tokenDelayMs: number;
  strictModels: boolean;
  streamUsage: 'requested' | 'always';
  embeddingDimensions: number;
  /** Whether the mock holds one model at a time (`MockBackendOptions.residency`). */
  residency: boolean;
  /** With residency on: the model in memory (undefined = none). */
  loadedModel: string | undefined;
}

type Handler = (ex: Exchange, settings: BackendSettings) => void | Promise<void>;

export interface Route {
  /** GET routes also answer HEAD. */
  method: 'GET' | 'POST' | 'ANY';
  dialect: Dialect;
  /** Health probes answer without credentials, as the real servers' do. */
  public: boolean;
  /** Inference routes a test script may take over. */
  scriptable: boolean;
  handle: Handler;
}

const HEALTH_PATHS: Record<MockFlavour, string> = {
  ollama: '/',
  openai: '/v1/models',
  vllm: '/health',
  lmstudio: '/v1/models',
  llamacpp: '/health',
  sglang: '/health',
  lemonade: '/api/v1/health',
  litellm: '/health',
  anthropic: '/v1/models',
};

/** The flavours whose real servers speak the Anthropic Messages API natively. */
const ANTHROPIC_NATIVE: ReadonlySet<MockFlavour> = new Set(['ollama', 'vllm', 'llamacpp', 'lmstudio', 'anthropic']);

/** The flavours whose real servers serve the OpenAI Responses API themselves. */
const RESPONSES_NATIVE: ReadonlySet<MockFlavour> = new Set(['ollama', 'vllm']);

export function speaksResponsesByDefault(flavour: MockFlavour): boolean {
  return RESPONSES_NATIVE.has(flavour);
}

export function healthPathOf(flavour: MockFlavour): string {
  return HEALTH_PATHS[flavour];
}

export function speaksAnthropicByDefault(flavour: MockFlavour): boolean {
  return ANTHROPIC_NATIVE.has(flavour);
}

/**
 * `GET /api/ps`: what Ollama holds in memory. With residency on, only the loaded model; with it
 * off the mock answers every model at once, so it reports them all as loaded.
 */
function ollamaRunning(settings: BackendSettings) {
  const loaded = settings.residency ? settings.models.filter((m) => m.name === settings.loadedModel) : settings.models;
  return {
    models: loaded.map((model) => ({
      name: model.name,
      model: model.name,
      size: model.sizeBytes,
      digest: model.digest,
      details: { family: model.family, parameter_size: model.parameterSize, quantization_level: model.quantization },
      expires_at: '2099-01-01T00:00:00Z',
      size_vram: model.sizeBytes,
    })),
  };
}

export function buildRoutes(flavour: MockFlavour, withAnthropic: boolean, withResponses = false): Map<string, Route> {
  const routes = new Map<string, Route>();
  const add = (path: string, method: Route['method'], dialect: Dialect, handle: Handler, scriptable = false) =>
    routes.set(path, { method, dialect, public: false, scriptable, handle });

  add('/v1/models', 'GET', 'openai', (ex, s) => ex.sendJson(200, openAiModels(s.flavour, s.models)));
  add('/v1/chat/completions', 'POST', 'openai', openAiChat, true);
  add('/v1/completions', 'POST', 'openai', openAiCompletion, true);
  add('/v1/embeddings', 'POST', 'openai', openAiEmbeddings, true);
  add('/echo', 'ANY', 'openai', echo);

  if (withAnthropic) {
    add('/v1/messages', 'POST', 'anthropic', anthropicMessages, true);
    add('/v1/messages/count_tokens', 'POST', 'anthropic', anthropicCountTokens);
  }

  if (withResponses) add('/v1/responses', 'POST', 'openai', nativeResponses, true);

  switch (flavour) {
    case 'ollama':
      add('/', 'GET', 'ollama', (ex) =>
        ex.sendBytes(200, 'text/plain; charset=utf-8', Buffer.from('Ollama is running')),
      );
      add('/api/tags', 'GET', 'ollama', (ex, s) => ex.sendJson(200, ollamaTags(s.models)));
      add('/api/version', 'GET', 'ollama', (ex) => ex.sendJson(200, { version: '0.14.2' }));
      add('/api/ps', 'GET', 'ollama', (ex, s) => ex.sendJson(200, ollamaRunning(s)));
      add('/api/show', 'POST', 'ollama', ollamaShowModel);
      add('/api/chat', 'POST', 'ollama', ollamaChat, true);
      add('/api/generate', 'POST', 'ollama', ollamaGenerate, true);
      add('/api/embed', 'POST', 'ollama', ollamaEmbed, true);
      add('/api/embeddings', 'POST', 'ollama', ollamaLegacyEmbedding, true);
      break;
    case 'lmstudio':
      add('/api/v0/models', 'GET', 'openai', (ex, s) => ex.sendJson(200, lmStudioModels(s.models)));
      break;
    case 'vllm':
    case 'sglang':
      // Both answer a bare 200 on /health.
      add('/health', 'GET', 'openai', (ex) => ex.sendBytes(200, 'text/plain; charset=utf-8', Buffer.alloc(0)));
      add('/version', 'GET', 'openai', (ex) => ex.sendJson(200, { version: flavour === 'vllm' ? '0.11.1' : '0.5.2' }));
      break;
    case 'llamacpp':
      add('/health', 'GET', 'openai', (ex) => ex.sendJson(200, { status: 'ok' }));
      break;
    case 'litellm':
      add('/health', 'GET', 'openai', (ex, s) =>
        ex.sendJson(200, {
          healthy_endpoints: s.models.map((model) => ({ model: model.name })),
          unhealthy_endpoints: [],
          healthy_count: s.models.length,
          unhealthy_count: 0,
        }),
      );
      break;
    case 'lemonade':
      add('/api/v1/health', 'GET', 'openai', (ex, s) =>
        ex.sendJson(200, {
          status: 'ok',
          checkpoint_loaded: s.models[0] ? `amd/${s.models[0].name}` : null,
          model_loaded: s.models[0]?.name ?? null,
        }),
      );
      add('/api/v1/models', 'GET', 'openai', (ex, s) => ex.sendJson(200, openAiModels(s.flavour, s.models)));
      add('/api/v1/chat/completions', 'POST', 'openai', openAiChat, true);
      add('/api/v1/completions', 'POST', 'openai', openAiCompletion, true);
      add('/api/v1/embeddings', 'POST', 'openai', openAiEmbeddings, true);
      break;
    default:
      break;
  }

  const health = routes.get(HEALTH_PATHS[flavour]);
  if (health) health.public = true;
  return routes;
}

/** The model a request names, falling back to the first served model as lenient servers do. */
export function requestedModel(body: unknown, settings: BackendSettings): string {
  const model = field(body, 'model') ?? field(body, 'name');
  if (typeof model === 'string' && model !== '') return model;
  return settings.models[0]?.name ?? 'mock-model';
}

export function wantsStream(body: unknown, streamsByDefault: boolean): boolean {
  const stream = field(body, 'stream');
  return typeof stream === 'boolean' ? stream : streamsByDefault;
}

function field(body: unknown, name: string): unknown {
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

/** Checks the request and plans the reply, or answers the error and returns undefined. */
function prepare(ex: Exchange, settings: BackendSettings): ReplyPlan | undefined {
  if (ex.bodyIsInvalidJson) {
    ex.sendError(400, `invalid JSON body sent to ${settings.name}`);
    return undefined;
  }
  const model = resolveModel(ex, settings);
  if (!model) return undefined;
  return planReply(
    settings.name,
    model.name,
    `${settings.name}-${ex.index}`,
    settings.tokens,
    estimatePromptTokens(ex.json),
    settings.tokenDelayMs,
  );
}

function resolveModel(ex: Exchange, settings: BackendSettings): MockModel | undefined {
  const name = requestedModel(ex.json, settings);
  const model = findModel(settings.models, name);
  if (model) return model;
  if (!settings.strictModels) return normaliseModels([name])[0];
  ex.sendError(404, `model "${name}" not found on ${settings.name}`);
  return undefined;
}

function includeUsage(ex: Exchange, settings: BackendSettings): boolean {
  return settings.streamUsage === 'always' || field(field(ex.json, 'stream_options'), 'include_usage') === true;
}

function openAiChat(ex: Exchange, settings: BackendSettings): Promise<void> | void {
  const plan = prepare(ex, settings);
  if (!plan) return;
  if (!wantsStream(ex.json, false)) return ex.sendJson(200, openai.chatCompletion(plan));
  return ex.stream(SSE_CONTENT_TYPE, openai.chatCompletionFrames(plan, includeUsage(ex, settings)), plan.model);
}

function openAiCompletion(ex: Exchange, settings: BackendSettings): Promise<void> | void {
  const plan = prepare(ex, settings);
  if (!plan) return;
  if (!wantsStream(ex.json, false)) return ex.sendJson(200, openai.textCompletion(plan));
  return ex.stream(SSE_CONTENT_TYPE, openai.textCompletionFrames(plan, includeUsage(ex, settings)), plan.model);
}

/** Embedding inputs as strings: a string, a list of strings, or token arrays (stringified). */
function embeddingInputs(input: unknown): string[] {
  if (Array.isArray(input)) return input.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  return [typeof input === 'string' ? input : ''];
}

function openAiEmbeddings(ex: Exchange, settings: BackendSettings): void {
  const plan = prepare(ex, settings);
  if (!plan) return;
  const vectors = embeddingInputs(field(ex.json, 'input')).map((text) =>
    mockEmbedding(text, settings.embeddingDimensions),
  );
  const base64 = field(ex.json, 'encoding_format') === 'base64';
  ex.sendJson(200, openai.embeddings(plan.model, vectors, plan.promptTokens, base64));
}

function ollamaChat(ex: Exchange, settings: BackendSettings): Promise<void> | void {
  const plan = prepare(ex, settings);
  if (!plan) return;
  if (!wantsStream(ex.json, true)) return ex.sendJson(200, ollama.chat(plan));
  return ex.stream(NDJSON_CONTENT_TYPE, ollama.chatFrames(plan), plan.model);
}

function ollamaGenerate(ex: Exchange, settings: BackendSettings): Promise<void> | void {
  const plan = prepare(ex, settings);
  if (!plan) return;
  if (!wantsStream(ex.json, true)) return ex.sendJson(200, ollama.generate(plan));
  return ex.stream(NDJSON_CONTENT_TYPE, ollama.generateFrames(plan), plan.model);
}

function ollamaEmbed(ex: Exchange, settings: BackendSettings): void {
  const plan = prepare(ex, settings);
  if (!plan) return;
  const vectors = embeddingInputs(field(ex.json, 'input')).map((text) =>
    mockEmbedding(text, settings.embeddingDimensions),
  );
  ex.sendJson(200, ollama.embed(plan.model, vectors, plan.promptTokens));
}

function ollamaLegacyEmbedding(ex: Exchange, settings: BackendSettings): void {
  const plan = prepare(ex, settings);
  if (!plan) return;
  const prompt = field(ex.json, 'prompt');
  ex.sendJson(
    200,
    ollama.legacyEmbedding(mockEmbedding(typeof prompt === 'string' ? prompt : '', settings.embeddingDimensions)),
  );
}

function ollamaShowModel(ex: Exchange, settings: BackendSettings): void {
  if (ex.bodyIsInvalidJson) {
    ex.sendError(400, 'invalid JSON body');
    return;
  }
  const model = resolveModel(ex, settings);
  if (model) ex.sendJson(200, ollamaShow(model));
}

function anthropicMessages(ex: Exchange, settings: BackendSettings): Promise<void> | void {
  const plan = prepare(ex, settings);
  if (!plan) return;
  if (!wantsStream(ex.json, false)) return ex.sendJson(200, anthropic.message(plan));
  return ex.stream(SSE_CONTENT_TYPE, anthropic.messageFrames(plan), plan.model);
}

function anthropicCountTokens(ex: Exchange, settings: BackendSettings): void {
  const plan = prepare(ex, settings);
  if (plan) ex.sendJson(200, anthropic.countTokens(plan.promptTokens));
}

/** A native Responses answer: the whole response, or its event stream (created, text deltas, completed). */
function nativeResponses(ex: Exchange, settings: BackendSettings): Promise<void> | void {
  const plan = prepare(ex, settings);
  if (!plan) return;
  const message = {
    type: 'message',
    id: `msg_${plan.id}`,
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: plan.text, annotations: [] }],
  };
  const usage = {
    input_tokens: plan.promptTokens,
    output_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
  };
  const response = {
    id: `resp_${plan.id}`,
    object: 'response',
    created_at: 0,
    model: plan.model,
    status: 'completed',
    output: [message],
    usage,
  };
  if (!wantsStream(ex.json, false)) return ex.sendJson(200, response);
  let seq = 0;
  const event = (type: string, data: object) => sseEvent(type, { type, sequence_number: seq++, ...data });
  const frames = [
    event('response.created', { response: { ...response, status: 'in_progress', output: [], usage: null } }),
    event('response.output_item.added', { output_index: 0, item: { ...message, status: 'in_progress', content: [] } }),
    ...plan.tokens.map((delta) =>
      event('response.output_text.delta', { item_id: message.id, output_index: 0, content_index: 0, delta }),
    ),
    event('response.output_item.done', { output_index: 0, item: message }),
    event('response.completed', { response }),
  ];
  return ex.stream(SSE_CONTENT_TYPE, frames, plan.model);
}

/** Says back exactly what arrived, so proxy tests can prove bytes and headers went through untouched. */
function echo(ex: Exchange, settings: BackendSettings): void {
  ex.sendJson(200, {
    backend: settings.name,
    method: ex.req.method,
    path: ex.path,
    query: ex.query,
    headers: ex.req.headers,
    rawHeaders: ex.req.rawHeaders,
    bodyLength: ex.body.length,
    bodySha256: createHash('sha256').update(ex.body).digest('hex'),
  });
}
