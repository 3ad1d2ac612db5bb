/**
 * The normalised configuration Olla runs on. The YAML file (same format as the Go original's
 * `config.yaml`) is parsed and validated by `schema.ts` into this shape: durations are
 * milliseconds, sizes are bytes, every default filled in. Later layers read only this type.
 */

import type { ClientPriority } from '../core/domain/client-key.js';

export type DurationMs = number;
export type Bytes = number;

export interface CorsConfig {
  enabled: boolean;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  /** Empty means "expose every X-Olla-* response header". */
  exposedHeaders: string[];
  allowCredentials: boolean;
  maxAge: number;
}

export interface RateLimitsConfig {
  globalRequestsPerMinute: number;
  perIpRequestsPerMinute: number;
  healthRequestsPerMinute: number;
  burstSize: number;
  perEndpoint: { defaultRequestsPerMinute: number };
  cleanupInterval: DurationMs;
  trustProxyHeaders: boolean;
  trustedProxyCidrs: string[];
}

export interface ServerConfig {
  host: string;
  port: number;
  readTimeout: DurationMs;
  readHeaderTimeout: DurationMs;
  writeTimeout: DurationMs;
  idleTimeout: DurationMs;
  shutdownTimeout: DurationMs;
  requestLogging: boolean;
  /** Our addition: reload when the config file changes (as SIGHUP does). */
  watchConfig: boolean;
  cors: CorsConfig;
  requestLimits: { maxBodySize: Bytes; maxHeaderSize: Bytes };
  rateLimits: RateLimitsConfig;
  /** Our addition: optional bearer token guarding /internal/*. Empty string = off. */
  /** `token` guards /internal/*; `enabled` + `keys` are the client API keys of the proxy routes. */
  auth: { token: string; enabled: boolean; keys: ClientKeyConfig[] };
}

/** One client API key (`server.auth.keys[]`) as Olla keeps it: the secret only as its hash. */
export type { ClientPriority };

export interface ClientKeyConfig {
  /** Shown in stats, logs and metrics in place of the secret. */
  name: string;
  /** SHA-256 of the secret, lower-case hex. */
  sha256: string;
  /** Model allow-list (globs); undefined allows every model. */
  models: string[] | undefined;
  /** 0 = no limit, for each of the four. */
  requestsPerMinute: number;
  tokensPerMinute: number;
  tokensPerDay: number;
  maxConcurrent: number;
  priority: ClientPriority;
}

export type StickyKeySource = 'session_header' | 'prefix_hash' | 'auth_header' | 'ip';

export interface StickySessionsConfig {
  enabled: boolean;
  idleTtlSeconds: number;
  maxSessions: number;
  keySources: StickyKeySource[];
  prefixHashBytes: number;
}

export interface RetryConfig {
  enabled: boolean;
  onConnectionFailure: boolean;
  /** Attempts per request, the first included; 0 = the default of 3 (two retries). */
  maxAttempts: number;
  /** Retries may add at most this share of the requests seen over `budgetWindow` (0–100). */
  budgetPercent: number;
  budgetWindow: DurationMs;
}

/** Passive outlier detection: eject a node that keeps failing real requests (Envoy's model). */
export interface OutlierDetectionConfig {
  enabled: boolean;
  /** Consecutive 5xx answers or timeouts that eject a node. */
  consecutiveFailures: number;
  /** Share of failed requests (percent, 1–100) over `failureRateWindow` that ejects a node; 0 = rule off. */
  failureRateThreshold: number;
  failureRateWindow: DurationMs;
  /** Requests a node must have had in the window before its failure rate counts. */
  failureRateMinRequests: number;
  /** The nth ejection lasts n times this, never more than `maxEjectionTime`. */
  baseEjectionTime: DurationMs;
  maxEjectionTime: DurationMs;
}

export interface FilterConfig {
  include: string[];
  exclude: string[];
}

export type ProxyEngineName = 'sherpa' | 'olla';
export type BalancerName = 'priority' | 'round-robin' | 'least-connections';
export type ProxyProfileName = 'auto' | 'streaming' | 'standard';

export interface ProxyConfig {
  engine: ProxyEngineName;
  profile: ProxyProfileName;
  loadBalancer: BalancerName;
  connectionTimeout: DurationMs;
  connectionKeepAlive: DurationMs;
  responseTimeout: DurationMs;
  readTimeout: DurationMs;
  responseHeaderTimeout: DurationMs;
  tlsHandshakeTimeout: DurationMs;
  stickySessions: StickySessionsConfig;
  retry: RetryConfig;
  outlierDetection: OutlierDetectionConfig;
  profileFilter?: FilterConfig;
  /** Prefer nodes that have the requested model loaded (on by default). */
  preferLoadedModels: boolean;
  queue: QueueConfig;
}

/** `proxy.queue`: where requests wait when every candidate node is at its concurrency limit. */
export interface QueueConfig {
  enabled: boolean;
  /** Most requests waiting per model. */
  maxSize: number;
  maxWait: DurationMs;
}

export type EndpointAuthType = 'basic' | 'bearer' | 'api_key';

/** Outbound credentials, already resolved from `${ENV}` and `*_file`. Never serialise. */
export interface EndpointAuthConfig {
  type: EndpointAuthType;
  /** Header name for api_key auth (default X-Api-Key). */
  header?: string;
  token?: string;
  key?: string;
  username?: string;
  password?: string;
}

export interface EndpointConfig {
  url: string;
  name: string;
  type: string;
  /** Undefined = take the profile's default priority. */
  priority?: number;
  /** Empty = take the profile's model discovery path. */
  modelUrl: string;
  /** Empty = take the profile's health check path. */
  healthCheckUrl: string;
  checkInterval: DurationMs;
  checkTimeout: DurationMs;
  preservePath: boolean;
  headers: Record<string, string>;
  auth?: EndpointAuthConfig;
  modelFilter?: FilterConfig;
  /** Requests in flight through Olla at most (0 = unlimited); unset = the profile's value when the queue is on. */
  maxConcurrentRequests?: number;
  /** This endpoint's own outlier-detection settings; a key left out takes `proxy.outlier_detection`'s. */
  outlierDetection?: Partial<OutlierDetectionConfig>;
}

export interface ModelDiscoveryConfig {
  enabled: boolean;
  interval: DurationMs;
  timeout: DurationMs;
  concurrentWorkers: number;
  retryAttempts: number;
  retryBackoff: DurationMs;
}

export interface DiscoveryConfig {
  type: 'static';
  refreshInterval: DurationMs;
  healthCheck: { initialDelay: DurationMs };
  static: { endpoints: EndpointConfig[] };
  modelDiscovery: ModelDiscoveryConfig;
}

export type RoutingStrategyName = 'strict' | 'optimistic' | 'discovery';
export type FallbackBehavior = 'compatible_only' | 'all' | 'none';

export interface ModelRegistryConfig {
  type: 'memory';
  enableUnifier: boolean;
  unification: { staleThreshold: DurationMs; cleanupInterval: DurationMs };
  routingStrategy: {
    type: RoutingStrategyName;
    options: {
      fallbackBehavior: FallbackBehavior;
      discoveryTimeout: DurationMs;
      discoveryRefreshOnMiss: boolean;
    };
  };
}

export interface InspectorConfig {
  enabled: boolean;
  outputDir: string;
  sessionHeader: string;
}

export interface AnthropicTranslatorConfig {
  enabled: boolean;
  passthroughEnabled: boolean;
  maxMessageSize: Bytes;
  inspector: InspectorConfig;
}

export interface ResponsesTranslatorConfig {
  enabled: boolean;
  passthroughEnabled: boolean;
  maxMessageSize: Bytes;
  /** Stored conversations for `previous_response_id`: at most `maxEntries`, each kept `ttlMs`. */
  store: { maxEntries: number; ttlMs: number };
}

export interface LoggingConfig {
  level: 'debug' | 'info' | 'warn' | 'error';
  format: 'json' | 'text';
  output: 'stdout' | 'file';
}

export interface DashboardConfig {
  enabled: boolean;
  accessPolicy: { allowedCidrs: string[]; allowedHosts: string[] };
  gateInternalApi: boolean;
}

export interface TelemetryConfig {
  otlp: {
    /** OTLP/HTTP base URL (`http://collector:4318`; traces go to `/v1/traces`); '' = tracing off. */
    endpoint: string;
    serviceName: string;
  };
}

export interface OllaConfig {
  server: ServerConfig;
  proxy: ProxyConfig;
  discovery: DiscoveryConfig;
  modelRegistry: ModelRegistryConfig;
  translators: { anthropic: AnthropicTranslatorConfig; responses: ResponsesTranslatorConfig };
  logging: LoggingConfig;
  engineering: { showNerdstats: boolean };
  dashboard: DashboardConfig;
  /** alias -> the real names different backends know the model by. */
  modelAliases: Record<string, string[]>;
  /** model → the models to try, in order, when it cannot be served. */
  modelFallbacks: Record<string, string[]>;
  /** Our addition: a directory of extra or overriding profile YAML files ('' = none). */
  profilesDir: string;
  /** Global model include/exclude filter (the original's `filters` / `model_filter`). */
  modelFilter?: FilterConfig;
  /** Our addition: state shared by several instances (`state.redis`); local when absent. */
  state: StateConfig;
  /** Our addition: optional OpenTelemetry traces over OTLP/HTTP. */
  telemetry: TelemetryConfig;
  /** Where the config came from ('' when defaults only). */
  filename: string;
}

export interface RedisStateConfig {
  url: string;
  keyPrefix: string;
  password: string | undefined;
  tls: boolean;
  /** Budget for one store round trip on the request path. */
  timeout: DurationMs;
}

export interface StateConfig {
  /** Undefined: every instance keeps its own state (the embedded default). */
  redis: RedisStateConfig | undefined;
}
