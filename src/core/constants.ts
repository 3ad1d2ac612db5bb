/** Names shared by every layer: headers, provider types, statuses. */

export const APP_NAME = 'olla';
export const DEFAULT_PORT = 40114;

export const Header = {
  requestId: 'x-olla-request-id',
  endpoint: 'x-olla-endpoint',
  backendType: 'x-olla-backend-type',
  model: 'x-olla-model',
  responseTime: 'x-olla-response-time',
  routingStrategy: 'x-olla-routing-strategy',
  routingDecision: 'x-olla-routing-decision',
  routingReason: 'x-olla-routing-reason',
  mode: 'x-olla-mode',
  sessionId: 'x-olla-session-id',
  stickySession: 'x-olla-sticky-session',
  stickyKeySource: 'x-olla-sticky-key-source',
  servedBy: 'x-served-by',
  proxiedBy: 'x-proxied-by',
  via: 'via',
  forwardedFor: 'x-forwarded-for',
  forwardedProto: 'x-forwarded-proto',
  forwardedHost: 'x-forwarded-host',
  realIp: 'x-real-ip',
  incomingRequestId: 'x-request-id',
  priority: 'x-olla-priority',
  /** On a 508 answer to a looping request: the instance that saw the request come back. */
  forwardingLoop: 'x-olla-forwarding-loop',
} as const;

/** The canonical spelling of every X-Olla-* response header, for CORS expose lists. */
export const OLLA_RESPONSE_HEADERS = [
  'X-Olla-Request-ID',
  'X-Olla-Endpoint',
  'X-Olla-Backend-Type',
  'X-Olla-Model',
  'X-Olla-Response-Time',
  'X-Olla-Routing-Strategy',
  'X-Olla-Routing-Decision',
  'X-Olla-Routing-Reason',
  'X-Olla-Mode',
  'X-Olla-Session-ID',
  'X-Olla-Sticky-Session',
  'X-Olla-Sticky-Key-Source',
] as const;

export const ProviderType = {
  ollama: 'ollama',
  lmStudio: 'lm-studio',
  llamaCpp: 'llamacpp',
  lemonade: 'lemonade',
  liteLlm: 'litellm',
  vllm: 'vllm',
  vllmMlx: 'vllm-mlx',
  sglang: 'sglang',
  lmDeploy: 'lmdeploy',
  dockerModelRunner: 'docker-model-runner',
  omlx: 'omlx',
  openAiCompatible: 'openai-compatible',
  openAi: 'openai',
} as const;

export const RoutingReason = {
  modelLoaded: 'model_loaded',
  modelFound: 'model_found',
  modelFoundNoRefresh: 'model_found_no_refresh',
  modelNotFound: 'model_not_found',
  modelNotFoundFallback: 'model_not_found_fallback',
  noHealthyAfterDiscovery: 'no_healthy_after_discovery',
  modelUnavailable: 'model_unavailable',
  modelUnavailableNoFallback: 'model_unavailable_no_fallback',
  modelUnavailableCompatibleOnly: 'model_unavailable_compatible_only',
  modelUnavailableNoRefresh: 'model_unavailable_no_refresh',
  modelUnavailableAfterDiscovery: 'model_unavailable_after_discovery',
  allHealthyFallback: 'all_healthy_fallback',
  allHealthyAfterDiscovery: 'all_healthy_after_discovery',
  discoveryFailedNoFallback: 'discovery_failed_no_fallback',
  discoveryFailedCompatibleOnly: 'discovery_failed_compatible_only',
  discoveryFailedAllFallback: 'discovery_failed_all_fallback',
  discoveryErrorFallback: 'discovery_error_fallback',
  discoveryError: 'discovery_error',
} as const;
