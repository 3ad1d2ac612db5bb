import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientKeyGate } from '../../adapter/client-keys/gate.js';
import {
  aliasDetail,
  type ListingSource,
  modelDetail,
  modelListing,
  openAiModelListing,
  providerModelListing,
} from '../../adapter/converter/listings.js';
import type { ModelCatalogue } from '../../adapter/registry/model-catalogue.js';
import { buildModelStatusResponse } from '../../adapter/stats/model-report.js';
import type { UnifiedModel } from '../../core/domain/model.js';
import type { PlatformProfile } from '../../core/domain/profile.js';
import { ForbiddenError, ModelNotFoundError } from '../../core/errors.js';
import type { EndpointRepository } from '../../core/ports/endpoints.js';

export interface ModelRouteDeps {
  catalogue: ModelCatalogue;
  endpoints: EndpointRepository;
  aliases: Readonly<Record<string, readonly string[]>>;
  /** Every routing prefix with its profile, for each provider's own model listing. */
  providers: readonly { prefix: string; profile: PlatformProfile }[];
  openAiCompatibleTypes: ReadonlySet<string>;
  /** Residency for `loaded_on`, when Olla tracks which models each node holds. */
  isLoaded?: (endpoint: string, model: string) => boolean;
  /** Client API keys, when `server.auth.enabled`: a key sees only the models it may use. */
  keys?: ClientKeyGate;
}

type Query = Record<string, string | undefined>;

// The original answers model management on Ollama routes itself rather than forwarding it:
// Olla fronts many nodes and cannot say which one a pull or delete should touch.
const OLLAMA_MANAGEMENT: readonly [method: 'POST' | 'DELETE', path: string][] = [
  ['POST', 'api/pull'],
  ['POST', 'api/push'],
  ['POST', 'api/create'],
  ['POST', 'api/copy'],
  ['DELETE', 'api/delete'],
];

function json(reply: FastifyReply, body: unknown) {
  return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

/**
 * Model listings, all built from the catalogue: no request fans out to the backends. Each
 * provider prefix also answers its own listing paths in that provider's shape, so clients that
 * list models first (Open WebUI, the ollama CLI, the openai SDK) see every node's models.
 */
export function registerModelRoutes(app: FastifyInstance, deps: ModelRouteDeps): void {
  const source = (request: FastifyRequest): ListingSource => ({
    models: visibleModels(deps.keys, request, deps.catalogue.listed()),
    endpoints: deps.endpoints.all(),
    aliases: visibleAliases(deps.keys, request, deps.aliases),
    openAiCompatibleTypes: deps.openAiCompatibleTypes,
    now: Date.now(),
    ...(deps.isLoaded ? { isLoaded: deps.isLoaded } : {}),
  });
  const statusBody = (request: FastifyRequest, query: Query) => {
    const key = deps.keys === undefined ? null : request.clientKey;
    return buildModelStatusResponse(deps.endpoints.all(), deps.catalogue, {
      detailed: query.detailed === 'true' && query.group === 'family',
      now: Date.now(),
      // A key sees only the models it may use, by any name they are known by.
      ...(key !== null && key.models !== undefined ? { shows: (model: string) => deps.keys!.mayUse(key, model) } : {}),
    });
  };

  app.get('/olla/models', (request, reply) => {
    const query = request.query as Query;
    // With the unifier off there is nothing to unify; the original shows the per-endpoint view.
    if (!deps.catalogue.unifierEnabled) return json(reply, statusBody(request, query));
    return json(reply, modelListing(source(request), query));
  });

  app.get('/olla/models/*', (request, reply) => {
    // Fastify has already percent-decoded the wildcard; decoding again would turn a model
    // named with `%` into a 500 or into another model's name.
    const id = (request.params as { '*': string })['*'];
    const key = deps.keys === undefined ? null : request.clientKey;
    if (key !== null && !deps.keys!.mayUse(key, id)) {
      throw new ForbiddenError(`API key '${key.name}' may not use model '${id}'`, { model: id });
    }
    const find = (name: string) => deps.catalogue.find(name);
    const body = modelDetail(find(id), Date.now()) ?? aliasDetail(id, deps.aliases, find);
    if (body === undefined) {
      throw new ModelNotFoundError(`model '${id}' not found`, { model: id, hint: 'see /olla/models' });
    }
    return json(reply, body);
  });

  app.get('/olla/proxy/v1/models', (request, reply) => json(reply, openAiModelListing(source(request))));

  for (const { prefix, profile } of deps.providers) {
    const base = `/olla/${prefix}/`;
    const listing = (format: string) => (request: FastifyRequest, reply: FastifyReply) =>
      json(reply, providerModelListing(source(request), prefix, format));
    const native = profile.api.modelDiscoveryPath.replace(/^\//, '');
    if (native) app.get(`${base}${native}`, listing('native'));
    if (profile.api.openaiCompatible && native !== 'v1/models') app.get(`${base}v1/models`, listing('openai'));
    if (profile.name === 'lm-studio') {
      app.get(`${base}api/v1/models`, listing('openai'));
      if (native !== 'api/v0/models') app.get(`${base}api/v0/models`, listing('lmstudio'));
    }
    if (profile.name === 'ollama') {
      for (const [method, path] of OLLAMA_MANAGEMENT) {
        app.route({
          method,
          url: `${base}${path}`,
          handler: (_req, reply) =>
            reply
              .code(501)
              .header('content-type', 'application/json; charset=utf-8')
              .send(
                JSON.stringify({
                  error: `${path} is not supported through Olla: manage models on each Ollama node directly`,
                }),
              ),
        });
      }
    }
  }
}

/** The models `request`'s client key may use (all of them when keys are off or the key has no allow-list). */
export function visibleModels(
  keys: ClientKeyGate | undefined,
  request: FastifyRequest,
  models: readonly UnifiedModel[],
): readonly UnifiedModel[] {
  const key = keys === undefined ? null : request.clientKey;
  if (key === null || key.models === undefined) return models;
  return models.filter((model) => keys!.shows(key, model));
}

function visibleAliases(
  keys: ClientKeyGate | undefined,
  request: FastifyRequest,
  aliases: Readonly<Record<string, readonly string[]>>,
): Readonly<Record<string, readonly string[]>> {
  const key = keys === undefined ? null : request.clientKey;
  if (key === null || key.models === undefined) return aliases;
  return Object.fromEntries(Object.entries(aliases).filter(([alias]) => keys!.mayUse(key, alias)));
}
