/**
 * `GET|POST /internal/explain?model=&path=`: what Olla would do with a request, sending nothing.
 * It runs the same steps the proxy and translator handlers do (route family, path allowlist,
 * candidate pool, ejections, model routing, the fallback chain, the breaker preference,
 * concurrency limits, the balancer's peek), then says of every configured endpoint why it was
 * kept or left out.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { admittedOrAll, type CircuitBreakers } from '../../adapter/proxy/core/exchange.js';
import { BodyCapabilityNeeds } from '../../adapter/registry/capabilities.js';
import { type FallbackChains, requestChain } from '../../adapter/registry/fallback-chains.js';
import type { ModelCatalogue } from '../../adapter/registry/model-catalogue.js';
import type { PassthroughDecision } from '../../adapter/translator/anthropic/passthrough.js';
import type { AnthropicEnvelope } from '../../adapter/translator/anthropic/validate.js';
import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import { CandidateVerdict } from '../../core/domain/explain.js';
import type { CapabilityNeeds } from '../../core/domain/model.js';
import type { PlatformProfile } from '../../core/domain/profile.js';
import { RequestBody } from '../../core/domain/request-body.js';
import { BadRequestError, ModelNotFoundError, NoHealthyEndpointError, OllaError } from '../../core/errors.js';
import { readTopLevelStringAndList } from '../../core/json-field.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';
import type { Ejection } from '../../core/ports/ejections.js';
import { isJsonObject, type ProviderScope, routeScopes } from './proxy.js';
import { targetAfterBase } from './proxy-target.js';
import {
  type CandidateScope,
  candidatePool,
  type RoutedRequest,
  type RoutingDeps,
  routeRequest,
} from './route-request.js';

export interface ExplainDeps extends RoutingDeps {
  catalogue: Pick<ModelCatalogue, 'route' | 'aliasTargets'>;
  providers: readonly ProviderScope[];
  isPathAllowed(profile: PlatformProfile, path: string): boolean;
  selector: Pick<EndpointSelector, 'name' | 'peek'>;
  breakers: Pick<CircuitBreakers, 'wouldAdmit'>;
  clientIp(request: FastifyRequest): string;
  /** The live ejection of an endpoint, when outlier detection is on. */
  ejection?(endpointName: string): Ejection | undefined;
  /** Whether the model filters let a model through on an endpoint. */
  filterAdmits?(endpointName: string, model: string): boolean;
  /** Per-node concurrency limits, when some endpoint has one. */
  limits?: { limit(endpointName: string): number; inFlight(endpointName: string): number };
  /** Loaded-models-first, when on. */
  residency?: { isLoaded(endpointName: string, model: string): boolean };
  fallbacks?: Pick<FallbackChains, 'empty' | 'chainFor'>;
  /** The Anthropic Messages translator, when enabled: its own body check and passthrough-or-translate decision. */
  anthropic?: {
    parse(body: Buffer): AnthropicEnvelope;
    decidePassthrough(request: AnthropicEnvelope, candidates: readonly Endpoint[]): PassthroughDecision;
  };
}

const DEFAULT_PATH = '/olla/proxy/v1/chat/completions';
const ANTHROPIC_BASE = '/olla/anthropic/';
const ANTHROPIC_MESSAGES = '/olla/anthropic/v1/messages';

interface EndpointExplanation {
  name: string;
  type: string;
  status: string;
  verdict: CandidateVerdict;
  detail: string;
  /** With loaded-models-first on: whether the node holds the model now. */
  loaded?: boolean;
}

interface Verdict {
  verdict: CandidateVerdict;
  detail: string;
}

/** One link of the fallback chain, and why it could or could not serve. */
interface LinkOutcome {
  model: string;
  outcome: 'serves' | 'model_not_found' | 'model_unavailable' | 'at_capacity' | 'panic';
}

/** The request as explain routes it: through the proxy's families or a translator's route. */
interface ExplainedRoute {
  route: Record<string, unknown>;
  scope: CandidateScope;
  allowed: boolean;
  pathOnly: string;
  targetPath: string;
}

function verdictFor(
  deps: ExplainDeps,
  endpoint: Endpoint,
  pool: readonly Endpoint[],
  routed: readonly Endpoint[],
  model: string | undefined,
  served: ReadonlySet<string> | undefined,
): Verdict {
  if (!isRoutable(endpoint.status))
    return { verdict: CandidateVerdict.unhealthy, detail: `status ${endpoint.status} takes no traffic` };
  if (!pool.includes(endpoint))
    return { verdict: CandidateVerdict.wrongType, detail: `type ${endpoint.type} is not served by this route` };
  const ejection = deps.ejection?.(endpoint.name);
  if (ejection !== undefined && !routed.includes(endpoint)) {
    return {
      verdict: CandidateVerdict.ejected,
      detail: `ejected until ${new Date(ejection.until).toISOString()} (${ejection.reason})`,
    };
  }
  if (!routed.includes(endpoint)) {
    if (served?.has(endpoint.name))
      return {
        verdict: CandidateVerdict.lacksCapability,
        detail: 'has the model but not a capability the request needs',
      };
    if (model !== undefined && deps.filterAdmits?.(endpoint.name, model) === false)
      return { verdict: CandidateVerdict.filtered, detail: `a model filter hides ${model} on this endpoint` };
    return { verdict: CandidateVerdict.lacksModel, detail: 'discovery has not seen the model on this endpoint' };
  }
  if (!deps.breakers.wouldAdmit(endpoint.name))
    return { verdict: CandidateVerdict.breakerOpen, detail: 'circuit breaker open: used only if every candidate is' };
  const limit = deps.limits?.limit(endpoint.name) ?? 0;
  const inFlight = deps.limits?.inFlight(endpoint.name) ?? 0;
  if (limit > 0 && inFlight >= limit) {
    return {
      verdict: CandidateVerdict.atLimit,
      detail: `${inFlight}/${limit} requests in flight: used when a slot frees, if no other kept node has room`,
    };
  }
  return { verdict: CandidateVerdict.kept, detail: 'may serve the request' };
}

/** Which route family `path` belongs to, or a 400 naming what explain understands. */
function routeOf(deps: ExplainDeps, path: string): ExplainedRoute {
  if (deps.anthropic !== undefined && path.startsWith(ANTHROPIC_BASE)) {
    const pathOnly = path.split('?', 1)[0]!;
    return {
      route: { base: ANTHROPIC_BASE, provider: 'anthropic', translator: 'anthropic', target_path: pathOnly },
      scope: { types: [], failClosed: false },
      allowed: pathOnly === ANTHROPIC_MESSAGES,
      pathOnly,
      targetPath: pathOnly,
    };
  }
  const scope = routeScopes(deps.providers).find((s) => path.startsWith(s.base));
  if (scope === undefined) {
    throw new BadRequestError(
      `path ${path} is not a proxy route (/olla/proxy/..., /olla/<provider>/...${deps.anthropic ? ` or ${ANTHROPIC_MESSAGES}` : ''})`,
    );
  }
  const targetPath = targetAfterBase(path, scope.base);
  const pathOnly = targetPath.split('?', 1)[0]!;
  const allowed = scope.profile === undefined || deps.isPathAllowed(scope.profile, pathOnly);
  return {
    route: {
      base: scope.base,
      provider: scope.profile?.name ?? 'any',
      types: scope.candidates.types,
      target_path: targetPath,
      path_allowed: allowed,
    },
    scope: scope.candidates,
    allowed,
    pathOnly,
    targetPath,
  };
}

function linkOutcomeOf(err: unknown): LinkOutcome['outcome'] | undefined {
  if (err instanceof ModelNotFoundError) return 'model_not_found';
  if (err instanceof NoHealthyEndpointError) return 'model_unavailable';
  return undefined;
}

/**
 * Walks the chain as the fleet router does: a link with no routable node, or whose nodes are all
 * at their limit, hands over to the next; a link routed only in panic waits until the chain is
 * exhausted. Resolves to the link that would serve (or the last one, with its error).
 */
async function walkChain(
  deps: ExplainDeps,
  scope: CandidateScope,
  chain: readonly (string | undefined)[],
  required: CapabilityNeeds | undefined,
  headers: Record<string, string>,
): Promise<{ model: string | undefined; routed: RoutedRequest | undefined; error?: OllaError; links: LinkOutcome[] }> {
  const links: LinkOutcome[] = [];
  let panicked: { model: string | undefined; routed: RoutedRequest } | undefined;
  let error: OllaError | undefined;
  for (const [i, model] of chain.entries()) {
    const last = i === chain.length - 1;
    try {
      const routed = await routeRequest(deps, scope, model, required, { header: (n, v) => (headers[n] = String(v)) });
      const full = deps.limits !== undefined && routed.endpoints.every((e) => hasNoRoom(deps, e));
      if (routed.panic !== undefined && (!last || panicked !== undefined)) {
        links.push({ model: model ?? '', outcome: 'panic' });
        panicked ??= { model, routed };
        continue;
      }
      if (full && !last) {
        links.push({ model: model ?? '', outcome: 'at_capacity' });
        continue;
      }
      links.push({ model: model ?? '', outcome: full ? 'at_capacity' : 'serves' });
      return { model, routed, links };
    } catch (err) {
      if (!(err instanceof OllaError)) throw err;
      const outcome = linkOutcomeOf(err);
      // Any other refusal ends the chain, as it does for the fleet router: explain reports it.
      if (outcome === undefined) return { model, routed: undefined, error: err, links };
      links.push({ model: model ?? '', outcome });
      error = err;
    }
  }
  if (panicked !== undefined) return { ...panicked, links };
  return { model: chain.at(-1), routed: undefined, ...(error ? { error } : {}), links };
}

function hasNoRoom(deps: ExplainDeps, endpoint: Endpoint): boolean {
  const limit = deps.limits?.limit(endpoint.name) ?? 0;
  return limit > 0 && (deps.limits?.inFlight(endpoint.name) ?? 0) >= limit;
}

async function explain(deps: ExplainDeps, request: FastifyRequest) {
  const query = request.query as Record<string, string | undefined>;
  const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? RequestBody.of(request.body) : undefined;
  const json = body !== undefined && isJsonObject(body);
  const path = query.path || DEFAULT_PATH;
  const [bodyModel, listed] = json ? readTopLevelStringAndList(body.whole, 'model', 'models') : [undefined, undefined];
  const model = query.model || bodyModel;
  const explained = routeOf(deps, path);
  const isTranslator = explained.route.translator !== undefined;
  const pool = candidatePool(deps.endpoints, explained.scope);

  // The same chain the fleet router walks: a per-request `models` list, or the configured one.
  const chain =
    listed !== undefined && listed.length > 0 && explained.pathOnly.startsWith('/v1/')
      ? requestChain(model, listed)
      : model !== undefined && deps.fallbacks !== undefined && !deps.fallbacks.empty
        ? deps.fallbacks.chainFor(model)
        : [model];
  const required = json && !isTranslator ? new BodyCapabilityNeeds(body, explained.targetPath) : undefined;
  const headers: Record<string, string> = {};
  const walked = await walkChain(deps, explained.scope, chain, required, headers);
  const servedModel = walked.model;
  const routedEndpoints = walked.routed?.endpoints ?? [];

  const served = servedModel ? deps.catalogue.route(servedModel)?.endpoints : undefined;
  const endpoints: EndpointExplanation[] = deps.endpoints.all().map((endpoint) => ({
    name: endpoint.name,
    type: endpoint.type,
    status: endpoint.status,
    ...verdictFor(deps, endpoint, pool, routedEndpoints, servedModel, served),
    ...(deps.residency && servedModel ? { loaded: deps.residency.isLoaded(endpoint.name, servedModel) } : {}),
  }));

  // The translator narrows the candidates to those speaking Anthropic natively, or translates.
  let translator: Record<string, unknown> | undefined;
  let balancerCandidates = routedEndpoints;
  if (isTranslator && deps.anthropic && walked.routed && servedModel !== undefined) {
    const envelope = body !== undefined ? deps.anthropic.parse(body.whole) : { model: servedModel, messages: [] };
    const decision = deps.anthropic.decidePassthrough({ ...envelope, model: servedModel }, routedEndpoints);
    translator =
      decision.mode === 'passthrough'
        ? {
            name: 'anthropic',
            mode: 'passthrough',
            target_path: decision.targetPath,
            endpoints: decision.endpoints.map((e) => e.name),
          }
        : { name: 'anthropic', mode: 'translation', fallback_reason: decision.fallbackReason };
    if (decision.mode === 'passthrough') balancerCandidates = decision.endpoints;
  }

  // The balancer sees what the exchange's first pick sees: closed breakers preferred.
  const ctx: SelectionContext = {
    model: servedModel,
    headers: request.headers,
    clientIp: deps.clientIp(request),
    body,
  };
  const balancerPool = admittedOrAll(balancerCandidates, deps.breakers);
  const pick = explained.allowed && balancerPool.length > 0 ? deps.selector.peek?.(balancerPool, ctx) : undefined;
  const aliasTargets = servedModel ? deps.catalogue.aliasTargets()[servedModel] : undefined;
  const fellBack = servedModel !== chain[0] && walked.routed !== undefined;
  // The body's model is rewritten for an alias's native name, and for a fallback.
  const sendsAs = pick && (walked.routed?.nativeName?.(pick) ?? (fellBack ? servedModel : undefined));
  const error = walked.error ? { code: walked.error.code, message: walked.error.message } : undefined;
  return {
    request: { path, model: model ?? null },
    route: explained.route,
    routing: walked.routed?.decision ?? null,
    ...(chain.length > 1
      ? { fallback: { chain, links: walked.links, served_model: walked.routed ? (servedModel ?? null) : null } }
      : {}),
    ...(aliasTargets ? { alias: { name: servedModel, targets: aliasTargets } } : {}),
    ...(translator ? { translator } : {}),
    endpoints,
    ...(deps.residency && servedModel
      ? { residency: { model: servedModel, loaded_on: endpoints.filter((e) => e.loaded).map((e) => e.name) } }
      : {}),
    sticky: ctx.sticky ?? null,
    balancer: {
      name: deps.selector.name,
      would_pick: pick?.name ?? null,
      ...(sendsAs ? { sends_model_as: sendsAs } : {}),
    },
    ...(explained.allowed
      ? {}
      : { error: { code: 'route_not_found', message: `${explained.pathOnly} is not an allowed path here` } }),
    ...(error ? { error } : {}),
    sent: false,
  };
}

export function registerExplainRoutes(app: FastifyInstance, deps: ExplainDeps): void {
  app.register(async (scoped) => {
    // Raw bytes, as the proxy reads them: the model and capabilities come from the same scan.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, payload, done) => done(null, payload));
    const handler = async (request: FastifyRequest) => explain(deps, request);
    scoped.get('/internal/explain', handler);
    scoped.post('/internal/explain', handler);
  });
}
