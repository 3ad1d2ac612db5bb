/**
 * The `OLLA_*` environment overrides, each hand-mapped to one key as in the original (names are not
 * derived from key paths, so anything not listed here is ignored). They are written into the config
 * document before it is validated, so a bad value is reported like a bad file value, labelled with
 * the variable that set it: `OLLA_SERVER_PORT (server.port): 70000 is not a port (1-65535)`.
 * An empty variable is the same as an unset one.
 */

/** How the text of a variable becomes a document value; durations and sizes stay text for the schema. */
type EnvKind = 'text' | 'int' | 'bool' | 'list';

export const ENV_OVERRIDES: Readonly<Record<string, readonly [path: string, kind: EnvKind]>> = {
  OLLA_SERVER_HOST: ['server.host', 'text'],
  OLLA_SERVER_PORT: ['server.port', 'int'],
  OLLA_SERVER_READ_TIMEOUT: ['server.read_timeout', 'text'],
  OLLA_SERVER_READ_HEADER_TIMEOUT: ['server.read_header_timeout', 'text'],
  OLLA_SERVER_WRITE_TIMEOUT: ['server.write_timeout', 'text'],
  OLLA_SERVER_MAX_BODY_SIZE: ['server.request_limits.max_body_size', 'int'],
  OLLA_SERVER_MAX_HEADER_SIZE: ['server.request_limits.max_header_size', 'int'],
  OLLA_SERVER_GLOBAL_RATE_LIMIT: ['server.rate_limits.global_requests_per_minute', 'int'],
  OLLA_SERVER_PER_IP_RATE_LIMIT: ['server.rate_limits.per_ip_requests_per_minute', 'int'],
  OLLA_SERVER_RATE_BURST_SIZE: ['server.rate_limits.burst_size', 'int'],
  OLLA_SERVER_HEALTH_RATE_LIMIT: ['server.rate_limits.health_requests_per_minute', 'int'],
  OLLA_SERVER_RATE_CLEANUP_INTERVAL: ['server.rate_limits.cleanup_interval', 'text'],
  OLLA_SERVER_TRUST_PROXY_HEADERS: ['server.rate_limits.trust_proxy_headers', 'bool'],
  OLLA_SERVER_TRUSTED_PROXY_CIDRS: ['server.rate_limits.trusted_proxy_cidrs', 'list'],
  OLLA_SERVER_CORS_ENABLED: ['server.cors.enabled', 'bool'],
  OLLA_SERVER_CORS_ALLOWED_ORIGINS: ['server.cors.allowed_origins', 'list'],
  OLLA_SERVER_CORS_ALLOWED_METHODS: ['server.cors.allowed_methods', 'list'],
  OLLA_SERVER_CORS_ALLOWED_HEADERS: ['server.cors.allowed_headers', 'list'],
  OLLA_SERVER_CORS_EXPOSED_HEADERS: ['server.cors.exposed_headers', 'list'],
  OLLA_SERVER_CORS_ALLOW_CREDENTIALS: ['server.cors.allow_credentials', 'bool'],
  OLLA_SERVER_CORS_MAX_AGE: ['server.cors.max_age', 'int'],
  // Ours: the admin token is a secret, so it should be settable without writing it into a file.
  OLLA_SERVER_AUTH_TOKEN: ['server.auth.token', 'text'],
  // Ours: reload on edits to the config file, and where OTLP traces go.
  OLLA_SERVER_WATCH_CONFIG: ['server.watch_config', 'bool'],
  OLLA_TELEMETRY_OTLP_ENDPOINT: ['telemetry.otlp.endpoint', 'text'],
  OLLA_PROXY_ENGINE: ['proxy.engine', 'text'],
  OLLA_PROXY_PROFILE: ['proxy.profile', 'text'],
  OLLA_PROXY_LOAD_BALANCER: ['proxy.load_balancer', 'text'],
  OLLA_PROXY_RESPONSE_TIMEOUT: ['proxy.response_timeout', 'text'],
  OLLA_PROXY_READ_TIMEOUT: ['proxy.read_timeout', 'text'],
  OLLA_PROXY_RESPONSE_HEADER_TIMEOUT: ['proxy.response_header_timeout', 'text'],
  OLLA_PROXY_TLS_HANDSHAKE_TIMEOUT: ['proxy.tls_handshake_timeout', 'text'],
  OLLA_PROXY_CONNECTION_KEEP_ALIVE: ['proxy.connection_keep_alive', 'text'],
  OLLA_PROXY_STICKY_SESSIONS_ENABLED: ['proxy.sticky_sessions.enabled', 'bool'],
  OLLA_LOGGING_LEVEL: ['logging.level', 'text'],
  OLLA_LOGGING_FORMAT: ['logging.format', 'text'],
  OLLA_SHOW_NERD_STATS: ['engineering.show_nerdstats', 'bool'],
  OLLA_MODEL_REGISTRY_TYPE: ['model_registry.type', 'text'],
  OLLA_MODEL_UNIFIER_ENABLED: ['model_registry.enable_unifier', 'bool'],
  OLLA_TRANSLATORS_ANTHROPIC_ENABLED: ['translators.anthropic.enabled', 'bool'],
  OLLA_TRANSLATORS_ANTHROPIC_PASSTHROUGH_ENABLED: ['translators.anthropic.passthrough_enabled', 'bool'],
  OLLA_TRANSLATORS_ANTHROPIC_MAX_MESSAGE_SIZE: ['translators.anthropic.max_message_size', 'int'],
  // Ours: where extra profile YAML files live.
  OLLA_PROFILES_DIR: ['profiles_dir', 'text'],
  OLLA_STATE_REDIS_URL: ['state.redis.url', 'text'],
};

// Go's strconv.ParseBool spellings, which the original's variables take.
const TRUE_TEXT = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_TEXT = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export interface EnvApplied {
  /** A copy of the document with the overrides written in. */
  document: Record<string, unknown>;
  /** Key path -> the variable that set it. */
  sources: Map<string, string>;
}

export function applyEnvOverrides(document: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvApplied {
  const result = structuredClone(document);
  const sources = new Map<string, string>();
  for (const [name, [path, kind]] of Object.entries(ENV_OVERRIDES)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (setPath(result, path.split('.'), toDocumentValue(raw, kind))) sources.set(path, name);
  }
  return { document: result, sources };
}

/** Names a key in messages, saying which variable set it when one did. */
export function envKeyLabel(sources: ReadonlyMap<string, string>): (path: string) => string {
  return (path) => {
    const name = sources.get(path);
    return name === undefined ? path : `${name} (${path})`;
  };
}

function toDocumentValue(raw: string, kind: EnvKind): unknown {
  switch (kind) {
    case 'int':
      // Left as text when it is not a number, so the schema reports it with the key's allowed values.
      return /^[+-]?\d+$/.test(raw) ? Number(raw) : raw;
    case 'bool':
      return TRUE_TEXT.has(raw) ? true : FALSE_TEXT.has(raw) ? false : raw;
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'text':
      return raw;
  }
}

/** Writes value at path, creating missing sections; a section that is not a mapping is left for the schema to report. */
function setPath(target: Record<string, unknown>, segments: string[], value: unknown): boolean {
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    const child = node[segment] ?? {};
    if (typeof child !== 'object' || Array.isArray(child)) return false;
    node[segment] = child;
    node = child as Record<string, unknown>;
  }
  node[segments.at(-1)!] = value;
  return true;
}
