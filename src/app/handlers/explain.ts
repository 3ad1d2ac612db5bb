/**
 * `GET|POST /internal/explain?model=&path=`: what Olla would do with a request, sending nothing.
 * It runs the same steps the proxy handler does (route family, path allowlist, candidate pool,
 * model routing, the breaker preference, the balancer's peek), then says of every configured
 * endpoint why it was kept or left out.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { admittedOrAll, type CircuitBreakers } from '../../adapter/proxy/core/exchange.js';
import { requiredCapabilitiesOfBody } from '../../adapter/registry/capabilities.js';
import type { ModelCatalogue } from '../../adapter/registry/model-catalogue.js';
import { type Endpoint, isRoutable } from '../../core/domain/endpoint.js';
import { CandidateVerdict } from '../../core/domain/explain.js';
import type { PlatformProfile } from '../../core/domain/profile.js';
import { BadRequestError, OllaError } from '../../core/errors.js';
import { readTopLevelString } from '../../core/json-field.js';
import type { EndpointSelector, SelectionContext } from '../../core/ports/balancer.js';
import type { ModelRouteResult } from '../../core/ports/models.js';
import { candidateScopeOf, isJsonObject, type ProviderScope, routeScopes } from './proxy.js';
import { targetAfterBase } from './proxy-target.js';
import { candidatePool, type RoutingDeps, routeRequest } from './route-request.js';

export interface ExplainDeps extends RoutingDeps {
  catalogue: Pick<ModelCatalogue, 'route' | 'aliasTargets'>;
  providers: readonly ProviderScope[];
  isPathAllowed(profile: PlatformProfile, path: string): boolean;
  selector: Pick<EndpointSelector, 'name' | 'peek'>;
  breakers: Pick<CircuitBreakers, 'wouldAdmit'>;
  clientIp(request: FastifyRequest): string;
}

const DEFAULT_PATH = '/olla/proxy/v1/chat/completions';

interface EndpointExplanation {
  name: string;
  type: string;
  status: string;
  verdict: CandidateVerdict;
  detail: string;
}

function verdictFor(
  endpoint: Endpoint,
  pool: readonly Endpoint[],
  routed: ModelRouteResult,
  served: ReadonlySet<string> | undefined,
  breakers: ExplainDeps['breakers'],
): { verdict: CandidateVerdict; detail: string } {
  if (!isRoutable(endpoint.status))
    return { verdict: CandidateVerdict.unhealthy, detail: `status ${endpoint.status} takes no traffic` };
  if (!pool.includes(endpoint))
    return { verdict: CandidateVerdict.wrongType, detail: `type ${endpoint.type} is not served by this route` };
  if (!routed.endpoints.includes(endpoint)) {
    return served?.has(endpoint.name)
      ? { verdict: CandidateVerdict.lacksCapability, detail: 'has the model but not a capability the request needs' }
      : { verdict: CandidateVerdict.lacksModel, detail: 'discovery has not seen the model on this endpoint' };
  }
  if (!breakers.wouldAdmit(endpoint.name))
    return { verdict: CandidateVerdict.breakerOpen, detail: 'circuit breaker open: used only if every candidate is' };
  return { verdict: CandidateVerdict.kept, detail: 'may serve the request' };
}

async function explain(deps: ExplainDeps, request: FastifyRequest) {
  const query = request.query as Record<string, string | undefined>;
  const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
  const json = body !== undefined && isJsonObject(body);
  const path = query.path || DEFAULT_PATH;
  const model = query.model || (json ? readTopLevelString(body, 'model') : undefined);
  const scope = routeScopes(deps.providers).find((s) => path.startsWith(s.base));
  if (scope === undefined) {
    throw new BadRequestError(`path ${path} is not a proxy route (/olla/proxy/... or /olla/<provider>/...)`);
  }
  const targetPath = targetAfterBase(path, scope.base);
  const pathOnly = targetPath.split('?', 1)[0]!;
  const allowed = scope.profile === undefined || deps.isPathAllowed(scope.profile, pathOnly);
  const route = {
    base: scope.base,
    provider: scope.profile?.name ?? 'any',
    types: scope.types,
    target_path: targetPath,
    path_allowed: allowed,
  };

  const candidateScope = candidateScopeOf(scope);
  const pool = candidatePool(deps.endpoints, candidateScope);
  const headers: Record<string, string> = {};
  let routed: ModelRouteResult = { endpoints: [] };
  let error: { code: string; message: string } | undefined;
  try {
    routed = await routeRequest(
      deps,
      candidateScope,
      model,
      json ? requiredCapabilitiesOfBody(body, targetPath) : undefined,
      { header: (name, value) => (headers[name] = value) },
    );
  } catch (err) {
    if (!(err instanceof OllaError)) throw err;
    error = { code: err.code, message: err.message };
  }

  const served = model ? deps.catalogue.route(model)?.endpoints : undefined;
  const endpoints: EndpointExplanation[] = deps.endpoints.all().map((endpoint) => ({
    name: endpoint.name,
    type: endpoint.type,
    status: endpoint.status,
    ...verdictFor(endpoint, pool, routed, served, deps.breakers),
  }));

  // The balancer sees what the exchange's first pick sees: closed breakers preferred.
  const ctx: SelectionContext = { model, headers: request.headers, clientIp: deps.clientIp(request), body };
  const balancerPool = admittedOrAll(routed.endpoints, deps.breakers);
  const pick = allowed && balancerPool.length > 0 ? deps.selector.peek?.(balancerPool, ctx) : undefined;
  const aliasTargets = model ? deps.catalogue.aliasTargets()[model] : undefined;
  return {
    request: { path, model: model ?? null },
    route,
    routing: routed.decision ?? null,
    ...(aliasTargets ? { alias: { name: model, targets: aliasTargets } } : {}),
    endpoints,
    sticky: ctx.sticky ?? null,
    balancer: {
      name: deps.selector.name,
      would_pick: pick?.name ?? null,
      ...(pick && routed.nativeName?.(pick) ? { sends_model_as: routed.nativeName(pick) } : {}),
    },
    ...(allowed ? {} : { error: { code: 'route_not_found', message: `${pathOnly} is not an allowed path here` } }),
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
