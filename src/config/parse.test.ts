// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${VAR} placeholders in config values
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { applyEnvOverrides } from './env.js';
import { defaultConfig, parseConfig } from './parse.js';
import type { OllaConfig } from './types.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** The original's defaults: DefaultConfig() in internal/config/config.go, with the shipped config.yaml's values where they differ. */
const ORIGINAL_DEFAULTS: OllaConfig = {
  server: {
    host: 'localhost',
    port: 40114,
    readTimeout: 30 * SECOND,
    readHeaderTimeout: 10 * SECOND,
    writeTimeout: 0,
    idleTimeout: 0,
    shutdownTimeout: 10 * SECOND,
    requestLogging: true,
    watchConfig: false,
    cors: {
      enabled: false,
      allowedOrigins: ['*'],
      allowedMethods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['*'],
      exposedHeaders: [],
      allowCredentials: false,
      maxAge: 300,
    },
    requestLimits: { maxBodySize: 104_857_600, maxHeaderSize: 1_048_576 },
    rateLimits: {
      globalRequestsPerMinute: 1000,
      perIpRequestsPerMinute: 100,
      healthRequestsPerMinute: 1000,
      burstSize: 50,
      perEndpoint: { defaultRequestsPerMinute: 200 },
      cleanupInterval: 5 * MINUTE,
      trustProxyHeaders: false,
      trustedProxyCidrs: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
    },
    auth: { token: '', enabled: false, keys: [] },
  },
  proxy: {
    engine: 'olla',
    profile: 'auto',
    loadBalancer: 'least-connections',
    connectionTimeout: 60 * SECOND,
    connectionKeepAlive: 30 * SECOND,
    responseTimeout: 15 * MINUTE,
    readTimeout: 10 * MINUTE,
    responseHeaderTimeout: 30 * SECOND,
    tlsHandshakeTimeout: 10 * SECOND,
    stickySessions: {
      enabled: false,
      idleTtlSeconds: 600,
      maxSessions: 10_000,
      keySources: ['session_header', 'prefix_hash', 'auth_header'],
      prefixHashBytes: 512,
    },
    retry: { enabled: true, onConnectionFailure: true, maxAttempts: 0, budgetPercent: 20, budgetWindow: 10_000 },
    outlierDetection: {
      enabled: true,
      consecutiveFailures: 5,
      failureRateThreshold: 50,
      failureRateWindow: 10_000,
      failureRateMinRequests: 20,
      baseEjectionTime: 30_000,
      maxEjectionTime: 300_000,
    },
    preferLoadedModels: true,
    queue: { enabled: false, maxSize: 100, maxWait: 30 * SECOND },
  },
  discovery: {
    type: 'static',
    refreshInterval: 30 * SECOND,
    healthCheck: { initialDelay: SECOND },
    static: {
      endpoints: [
        {
          url: 'http://localhost:11434',
          name: 'localhost',
          type: 'ollama',
          priority: 100,
          modelUrl: '/api/tags',
          healthCheckUrl: '/health',
          checkInterval: 5 * SECOND,
          checkTimeout: 2 * SECOND,
          preservePath: false,
          headers: {},
        },
      ],
    },
    modelDiscovery: {
      enabled: true,
      interval: 5 * MINUTE,
      timeout: 30 * SECOND,
      concurrentWorkers: 5,
      retryAttempts: 3,
      retryBackoff: SECOND,
    },
  },
  modelRegistry: {
    type: 'memory',
    enableUnifier: true,
    unification: { staleThreshold: 24 * 60 * MINUTE, cleanupInterval: 10 * MINUTE },
    routingStrategy: {
      type: 'strict',
      options: { fallbackBehavior: 'compatible_only', discoveryTimeout: 2 * SECOND, discoveryRefreshOnMiss: false },
    },
  },
  translators: {
    anthropic: {
      enabled: true,
      passthroughEnabled: true,
      maxMessageSize: 10_485_760,
      inspector: { enabled: false, outputDir: 'logs/inspector/anthropic', sessionHeader: 'X-Session-ID' },
    },
    responses: {
      enabled: true,
      passthroughEnabled: true,
      maxMessageSize: 10_485_760,
      store: { maxEntries: 1000, ttlMs: 60 * MINUTE },
    },
  },
  logging: { level: 'info', format: 'json', output: 'stdout' },
  engineering: { showNerdstats: false },
  dashboard: {
    enabled: true,
    accessPolicy: { allowedCidrs: ['127.0.0.0/8', '::1/128'], allowedHosts: ['localhost'] },
    gateInternalApi: false,
  },
  modelAliases: {},
  modelFallbacks: {},
  profilesDir: '',
  state: { redis: undefined },
  telemetry: { otlp: { endpoint: '', serviceName: 'olla' } },
  filename: '',
};

function issuesOf(document: unknown, env: NodeJS.ProcessEnv = {}, cwd?: string): string[] {
  try {
    parseConfig(document, { env, ...(cwd ? { cwd } : {}) });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

function endpoints(...list: unknown[]) {
  return { discovery: { static: { endpoints: list } } };
}

function firstEndpoint(document: unknown, env: NodeJS.ProcessEnv = {}) {
  return parseConfig(document, { env }).config.discovery.static.endpoints[0]!;
}

describe('defaults', () => {
  it('equal the original’s when the document is empty', () => {
    expect(defaultConfig()).toEqual(ORIGINAL_DEFAULTS);
  });

  it('fill in every key a section leaves out', () => {
    const { config } = parseConfig(
      { server: { port: 8080 }, proxy: { sticky_sessions: { enabled: true } } },
      { env: {} },
    );
    expect(config.server).toEqual({ ...ORIGINAL_DEFAULTS.server, port: 8080 });
    expect(config.proxy.stickySessions).toEqual({ ...ORIGINAL_DEFAULTS.proxy.stickySessions, enabled: true });
  });

  it('treat an empty section like an absent one', () => {
    expect(parseConfig({ server: null, logging: null }, { env: {} }).config).toEqual(ORIGINAL_DEFAULTS);
  });

  it('are fresh copies, so changing one config leaves the next untouched', () => {
    defaultConfig().server.cors.allowedOrigins.push('changed');
    defaultConfig().discovery.static.endpoints[0]!.headers.changed = 'yes';
    expect(defaultConfig()).toEqual(ORIGINAL_DEFAULTS);
  });

  it('give endpoints the original’s timing and priority when they leave them out', () => {
    expect(firstEndpoint(endpoints({ url: 'http://a:1', name: 'a', type: 'ollama' }))).toEqual({
      url: 'http://a:1',
      name: 'a',
      type: 'ollama',
      priority: 100,
      modelUrl: '',
      healthCheckUrl: '',
      checkInterval: 5 * SECOND,
      checkTimeout: 2 * SECOND,
      preservePath: false,
      headers: {},
    });
  });

  it('keep an explicit priority of 0', () => {
    expect(firstEndpoint(endpoints({ url: 'http://a:1', name: 'a', type: 'ollama', priority: 0 })).priority).toBe(0);
  });

  it('empty the endpoint list when the key is present but empty', () => {
    expect(parseConfig(endpoints(), { env: {} }).config.discovery.static.endpoints).toEqual([]);
    expect(
      parseConfig({ discovery: { static: { endpoints: null } } }, { env: {} }).config.discovery.static.endpoints,
    ).toEqual([]);
  });
});

describe('one-line issues', () => {
  it('names the key path of bad retry and outlier-detection settings', () => {
    expect(issuesOf({ proxy: { retry: { budget_percent: 150 } } })).toEqual([
      'proxy.retry.budget_percent: 150 is not a percentage from 0 to 100 (0-100)',
    ]);
    expect(issuesOf({ proxy: { outlier_detection: { base_ejection_time: '0s' } } })).toEqual([
      'proxy.outlier_detection.base_ejection_time must be longer than 0s',
    ]);
    expect(issuesOf({ proxy: { outlier_detection: { base_ejection_time: '1m', max_ejection_time: '30s' } } })).toEqual([
      'proxy.outlier_detection.max_ejection_time must be at least base_ejection_time (1m)',
    ]);
    expect(issuesOf({ proxy: { outlier_detection: { consecutive_failures: 0 } } })).toEqual([
      'proxy.outlier_detection.consecutive_failures: 0 is not a whole number of at least 1',
    ]);
  });

  it('names the key path of bad failure-rate settings, at the proxy and on an endpoint', () => {
    expect(issuesOf({ proxy: { outlier_detection: { failure_rate_threshold: 101 } } })).toEqual([
      'proxy.outlier_detection.failure_rate_threshold: 101 is not a percentage from 0 (rule off) to 100 (0-100)',
    ]);
    expect(
      issuesOf({ proxy: { outlier_detection: { failure_rate_window: '0s', failure_rate_min_requests: 0 } } }),
    ).toEqual([
      'proxy.outlier_detection.failure_rate_window must be longer than 0s',
      'proxy.outlier_detection.failure_rate_min_requests: 0 is not a whole number of at least 1',
    ]);
    const endpoint = (outlier_detection: unknown) =>
      endpoints({ url: 'http://a:1', name: 'a', type: 'vllm', outlier_detection });
    expect(issuesOf(endpoint({ enabled: 'sometimes' }))).toEqual([
      'discovery.static.endpoints[0].outlier_detection.enabled: "sometimes" is not true or false',
    ]);
    expect(issuesOf(endpoint({ base_ejection_time: '2m', max_ejection_time: '1m' }))).toEqual([
      'discovery.static.endpoints[0].outlier_detection.max_ejection_time must be at least base_ejection_time (2m)',
    ]);
  });

  it('name a port out of range', () => {
    expect(issuesOf({ server: { port: 70000 } })).toEqual(['server.port: 70000 is not a port (1-65535)']);
  });

  it('name an unknown proxy engine and the engines allowed', () => {
    expect(issuesOf({ proxy: { engine: 'turbo' } })).toEqual(['proxy.engine: "turbo" is not one of sherpa, olla']);
  });

  it('name an unknown load balancer', () => {
    expect(issuesOf({ proxy: { load_balancer: 'random' } })).toEqual([
      'proxy.load_balancer: "random" is not one of priority, round-robin, least-connections',
    ]);
  });

  it('name an endpoint without a url', () => {
    expect(issuesOf(endpoints({ name: 'a', type: 'ollama' }))).toEqual([
      'discovery.static.endpoints[0].url is required',
    ]);
  });

  it('name an endpoint url that is not a URL', () => {
    expect(issuesOf(endpoints({ url: 'http://a:1', name: 'a' }, { url: 'htp:/x', name: 'b' }))).toEqual([
      'discovery.static.endpoints[1].url: "htp:/x" is not a URL (http:// or https:// and a host)',
    ]);
  });

  it('name a duration without a unit and say how to write it', () => {
    expect(issuesOf({ server: { read_timeout: 30 } })).toEqual([
      'server.read_timeout: 30 has no unit; write it as 30s or 30ms',
    ]);
  });

  it('name a section that is not a mapping', () => {
    expect(issuesOf({ server: 'fast' })).toEqual(['server: "fast" is not a mapping of keys']);
  });

  it('list every problem at once', () => {
    expect(issuesOf({ server: { port: 0, request_logging: 'maybe' }, proxy: { engine: 'turbo' } })).toEqual([
      'server.port: 0 is not a port (1-65535)',
      'server.request_logging: "maybe" is not true or false',
      'proxy.engine: "turbo" is not one of sherpa, olla',
    ]);
  });

  it('refuse a document that is not a mapping', () => {
    expect(issuesOf(['server'])).toEqual([
      'the config must be a mapping of sections (server:, proxy:, discovery:, ...)',
    ]);
  });
});

describe('endpoint URLs with credentials', () => {
  it('are refused with the auth block to write instead, never echoing the secret', () => {
    const [issue, ...rest] = issuesOf(
      endpoints({ url: 'https://alice:s3cr3t-Pa55@llm.example:8443/v1?x=1', name: 'a' }),
    );
    expect(rest).toEqual([]);
    expect(issue).toBe(
      'discovery.static.endpoints[0].url must not carry credentials (user:pass@host); set url: "https://llm.example:8443/v1" and move them to auth: { type: basic, username: <your username>, password: <your password> } (or username_file / password_file)',
    );
    expect(issue).not.toMatch(/alice|s3cr3t|Pa55/);
  });

  it('suggest bearer auth when only a username (likely a token) was given', () => {
    const [issue] = issuesOf(endpoints({ url: 'http://sk-live-123@host:8080', name: 'a' }));
    expect(issue).toContain('auth: { type: bearer, token: <your token> }');
    expect(issue).not.toContain('sk-live-123');
  });

  it('never echo userinfo even when the rest of the URL does not parse', () => {
    const [issue] = issuesOf(endpoints({ url: 'http://bob:hunter2@[bad', name: 'a' }));
    expect(issue).not.toMatch(/bob|hunter2/);
  });
});

describe('endpoint checks', () => {
  it('refuse duplicate names', () => {
    expect(issuesOf(endpoints({ url: 'http://a:1', name: 'x' }, { url: 'http://b:1', name: 'x' }))).toEqual([
      'discovery.static.endpoints[1].name: "x" is already the name of endpoints[0]; names must be unique',
    ]);
  });

  it('refuse a health check interval under a second and a timeout not shorter than the interval', () => {
    expect(issuesOf(endpoints({ url: 'http://a:1', name: 'a', check_interval: '500ms' }))).toContain(
      'discovery.static.endpoints[0].check_interval: 500ms is too short (at least 1s)',
    );
    expect(issuesOf(endpoints({ url: 'http://a:1', name: 'a', check_interval: '2s', check_timeout: '2s' }))).toEqual([
      'discovery.static.endpoints[0].check_timeout: 2s must be shorter than check_interval (2s)',
    ]);
    expect(issuesOf(endpoints({ url: 'http://a:1', name: 'a', check_interval: '1m', check_timeout: '31s' }))).toEqual([
      'discovery.static.endpoints[0].check_timeout: 31s is too long (at most 30s)',
    ]);
  });

  it('refuse a negative priority', () => {
    expect(issuesOf(endpoints({ url: 'http://a:1', name: 'a', priority: -1 }))).toEqual([
      'discovery.static.endpoints[0].priority: -1 is not a whole number of at least 0',
    ]);
  });

  it('warn about an endpoint without a type and a repeated URL', () => {
    const { warnings } = parseConfig(
      endpoints({ url: 'http://a:1', name: 'a', type: 'ollama' }, { url: 'http://a:1', name: 'b' }),
      {
        env: {},
      },
    );
    expect(warnings).toEqual([
      'discovery.static.endpoints[1].url is the same as endpoints[0].url; only one of them will be used',
      'discovery.static.endpoints[1].type is empty; the endpoint gets no profile (set ollama, vllm, lm-studio, ...)',
    ]);
  });

  it('expand ${VAR} in header values', () => {
    const endpoint = firstEndpoint(
      endpoints({ url: 'http://a:1', name: 'a', headers: { 'X-Tenant': '${TENANT}', 'X-Plain': 'cost $5' } }),
      { TENANT: 'acme' },
    );
    expect(endpoint.headers).toEqual({ 'X-Tenant': 'acme', 'X-Plain': 'cost $5' });
  });

  it('refuse a header naming an unset variable, naming the variable only', () => {
    expect(issuesOf(endpoints({ url: 'http://a:1', name: 'a', headers: { 'X-Key': 'k-${MISSING}' } }))).toEqual([
      'discovery.static.endpoints[0].headers.X-Key: environment variable "MISSING" is not set',
    ]);
  });

  it('refuse headers that are not a mapping without echoing them', () => {
    const issues = issuesOf(endpoints({ url: 'http://a:1', name: 'a', headers: 'Authorization: Bearer hush-hush' }));
    expect(issues).toEqual(['discovery.static.endpoints[0].headers must be a mapping of header names to values']);
  });

  it('keep model filters as written', () => {
    const endpoint = firstEndpoint(endpoints({ url: 'http://a:1', name: 'a', model_filter: { exclude: ['*embed*'] } }));
    expect(endpoint.modelFilter).toEqual({ include: [], exclude: ['*embed*'] });
  });
});

describe('the global model_filter', () => {
  it('is kept as written and absent when left out', () => {
    const { config } = parseConfig({ model_filter: { include: ['llama*'], exclude: ['*embed*'] } }, { env: {} });
    expect(config.modelFilter).toEqual({ include: ['llama*'], exclude: ['*embed*'] });
    expect(defaultConfig().modelFilter).toBeUndefined();
  });

  it('refuses patterns the matcher would take literally, naming the key path and the reason', () => {
    const issues = issuesOf({ model_filter: { include: ['llama*7b', ' '], exclude: ['**', '*ok*'] } });
    expect(issues).toEqual([
      'model_filter.include[0]: "llama*7b" has a "*" other than at the start or end',
      'model_filter.include[1]: " " is empty',
      'model_filter.exclude[0]: "**" has "**", which is not supported',
    ]);
  });
});

describe('endpoint auth', () => {
  const withAuth = (auth: unknown) => endpoints({ url: 'http://a:1', name: 'a', type: 'vllm', auth });

  it('resolves bearer tokens from the environment', () => {
    expect(firstEndpoint(withAuth({ type: 'bearer', token: '${VLLM_KEY}' }), { VLLM_KEY: 'sk-1' }).auth).toEqual({
      type: 'bearer',
      token: 'sk-1',
    });
  });

  it('reads *_file values, trimming the newline an editor leaves', () => {
    const dir = mkdtempSync(join(tmpdir(), 'olla-auth-'));
    writeFileSync(join(dir, 'user'), 'admin\n');
    writeFileSync(join(dir, 'pass'), '  s3cret \n');
    const { config } = parseConfig(
      withAuth({ type: 'basic', username_file: 'user', password_file: join(dir, 'pass') }),
      {
        env: {},
        cwd: dir,
      },
    );
    expect(config.discovery.static.endpoints[0]!.auth).toEqual({
      type: 'basic',
      username: 'admin',
      password: 's3cret',
    });
  });

  it('defaults the api_key header to X-Api-Key and honours ${VAR:-default}', () => {
    expect(firstEndpoint(withAuth({ type: 'api_key', key: '${KEY:-changeme}' })).auth).toEqual({
      type: 'api_key',
      key: 'changeme',
      header: 'X-Api-Key',
    });
  });

  it('reports each mistake against its key and never the secret', () => {
    const issues = issuesOf(
      endpoints(
        { url: 'http://a:1', name: 'a', auth: { type: 'bearer', token: 'tok-secret', token_file: '/run/secrets/t' } },
        { url: 'http://b:1', name: 'b', auth: { type: 'basic', username: 'u-secret' } },
        { url: 'http://c:1', name: 'c', auth: { type: 'digest' } },
        { url: 'http://d:1', name: 'd', auth: { type: 'bearer', token: '${NOPE}', key: 'k-secret' } },
        { url: 'http://e:1', name: 'e', auth: { type: 'api_key', key_file: '/definitely/not/here' } },
        { url: 'http://f:1', name: 'f', auth: { token: 'x' } },
      ),
    );
    expect(issues).toEqual([
      'discovery.static.endpoints[0].auth.token and auth.token_file are both set; use exactly one',
      'discovery.static.endpoints[1].auth.password is required for basic auth (or password_file)',
      'discovery.static.endpoints[2].auth.type: "digest" is not one of bearer, api_key, basic',
      'discovery.static.endpoints[3].auth.key is not used by bearer auth; remove it',
      'discovery.static.endpoints[3].auth.token: environment variable "NOPE" is not set',
      'discovery.static.endpoints[4].auth.key_file: cannot read "/definitely/not/here" (ENOENT)',
      'discovery.static.endpoints[5].auth.type is required (one of bearer, api_key, basic)',
    ]);
    expect(issues.join('\n')).not.toMatch(/secret/);
  });

  it('refuses a variable that is set but empty', () => {
    expect(issuesOf(withAuth({ type: 'bearer', token: '${EMPTY}' }), { EMPTY: '' })).toEqual([
      'discovery.static.endpoints[0].auth.token resolved to an empty value',
    ]);
  });
});

describe('the original’s other checks', () => {
  it('refuse CORS credentials with a wildcard origin, and an empty origin list, only when CORS is on', () => {
    expect(issuesOf({ server: { cors: { enabled: true, allow_credentials: true } } })).toEqual([
      'server.cors.allow_credentials must not be true while allowed_origins contains "*" (browsers refuse it); list the origins instead',
    ]);
    expect(issuesOf({ server: { cors: { enabled: true, allowed_origins: [] } } })).toEqual([
      'server.cors.allowed_origins must not be empty when CORS is enabled; list origins, or ["*"] to allow any',
    ]);
    expect(parseConfig({ server: { cors: { allow_credentials: true } } }, { env: {} }).warnings).toEqual([]);
  });

  it('refuse dashboard CIDRs that do not parse while the dashboard is on', () => {
    expect(issuesOf({ dashboard: { access_policy: { allowed_cidrs: ['127.0.0.1', '10.0.0.0/33'] } } })).toEqual([
      'dashboard.access_policy.allowed_cidrs[0]: "127.0.0.1" is not a CIDR (e.g. 192.168.1.0/24)',
      'dashboard.access_policy.allowed_cidrs[1]: "10.0.0.0/33" is not a CIDR (e.g. 192.168.1.0/24)',
    ]);
    expect(() =>
      parseConfig({ dashboard: { enabled: false, access_policy: { allowed_cidrs: [] } } }, { env: {} }),
    ).not.toThrow();
  });

  it('refuse an inspector writing into a system directory, only when it is on', () => {
    expect(issuesOf({ translators: { anthropic: { inspector: { enabled: true, output_dir: '/etc/olla' } } } })).toEqual(
      ['translators.anthropic.inspector.output_dir: "/etc/olla" is a system directory; choose a directory of its own'],
    );
    expect(issuesOf({ translators: { anthropic: { inspector: { enabled: true, output_dir: '/' } } } })).toHaveLength(1);
    expect(
      issuesOf({ translators: { anthropic: { inspector: { enabled: true, output_dir: 'C:\\Windows\\Temp' } } } }),
    ).toHaveLength(1);

    expect(
      issuesOf({ translators: { anthropic: { inspector: { enabled: true, session_header: 'X Session' } } } }),
    ).toHaveLength(1);
    const { config } = parseConfig(
      {
        translators: {
          anthropic: { inspector: { enabled: true, output_dir: './logs/inspect/', session_header: ' X-Trace ' } },
        },
      },
      { env: {} },
    );
    expect(config.translators.anthropic.inspector).toEqual({
      enabled: true,
      outputDir: 'logs/inspect',
      sessionHeader: 'X-Trace',
    });
  });

  it('cap the Anthropic message size at 100MiB', () => {
    expect(issuesOf({ translators: { anthropic: { max_message_size: '200MB' } } })).toEqual([
      'translators.anthropic.max_message_size: 200MiB is over the 100MiB safety limit',
    ]);
  });

  it('refuse zero intervals, workers or timeouts while model discovery is on', () => {
    expect(issuesOf({ discovery: { model_discovery: { interval: '0s', concurrent_workers: 0 } } })).toEqual([
      'discovery.model_discovery.interval must be more than 0 while model discovery is enabled',
      'discovery.model_discovery.concurrent_workers must be more than 0 while model discovery is enabled',
    ]);
  });

  it('refuse empty aliases and empty model names, and warn about repeats', () => {
    expect(issuesOf({ model_aliases: { ' spaced ': ['a'], empty: [], holes: ['a', ''] } })).toEqual([
      'model_aliases[" spaced "] has spaces around the alias name; remove them',
      'model_aliases.empty has no models; list at least one',
      'model_aliases.holes[1] is an empty model name',
    ]);
    expect(parseConfig({ model_aliases: { a: ['x', 'x'] } }, { env: {} }).warnings).toEqual([
      'model_aliases.a[1]: "x" is listed twice',
    ]);
  });
});

describe('what the original tolerates', () => {
  it('becomes a warning and the default', () => {
    const { config, warnings } = parseConfig(
      {
        logging: { level: 'LOUD', format: 'xml' },
        proxy: { profile: 'fast', sticky_sessions: { key_sources: ['ip', 'cookie'] } },
        model_registry: { routing_strategy: { type: 'greedy' } },
        server: { rate_limits: { trusted_proxy_cidrs: ['10.0.0.0/8', 'nope'] } },
      },
      { env: {} },
    );
    expect(config.logging).toEqual({ level: 'info', format: 'json', output: 'stdout' });
    expect(config.proxy.profile).toBe('auto');
    expect(config.proxy.stickySessions.keySources).toEqual(['ip']);
    expect(config.modelRegistry.routingStrategy.type).toBe('strict');
    expect(config.server.rateLimits.trustedProxyCidrs).toEqual(ORIGINAL_DEFAULTS.server.rateLimits.trustedProxyCidrs);
    expect(warnings).toEqual([
      'server.rate_limits.trusted_proxy_cidrs: "nope" is not a CIDR (e.g. 10.0.0.0/8); using the local networks 127.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16',
      'proxy.profile: "fast" is not one of auto, streaming, standard; using "auto"',
      'proxy.sticky_sessions.key_sources: "cookie" is not one of session_header, prefix_hash, auth_header, ip (ignored)',
      'model_registry.routing_strategy.type: "greedy" is not one of strict, optimistic, discovery; using "strict"',
      'logging.level: "LOUD" is not one of debug, info, warn, error; using "info"',
      'logging.format: "xml" is not one of json, text; using "json"',
    ]);
  });

  it('reads "warning" as the warn level, in any case', () => {
    expect(parseConfig({ logging: { level: 'WARNING' } }, { env: {} }).config.logging.level).toBe('warn');
  });

  it('accepts the deprecated retry keys with a warning', () => {
    expect(parseConfig({ proxy: { max_retries: 3, retry_backoff: '500ms' } }, { env: {} }).warnings).toEqual([
      'proxy.max_retries is deprecated and has no effect; failed requests are retried on the other endpoints (see proxy.retry)',
      'proxy.retry_backoff is deprecated and has no effect; unhealthy endpoints back off on their own',
    ]);
  });

  it('accepts YAML 1.1 booleans and numbers in string keys, as the original’s decoder does', () => {
    const { config } = parseConfig(
      { server: { request_logging: 'off', host: 127 }, model_aliases: { v: [3.1] } },
      { env: {} },
    );
    expect(config.server.requestLogging).toBe(false);
    expect(config.server.host).toBe('127');
    expect(config.modelAliases).toEqual({ v: ['3.1'] });
  });

  it('warns rather than fails on unknown keys', () => {
    const { warnings } = parseConfig(
      {
        server: { prot: 1, cors: { allow_origin: ['*'] } },
        extra: {},
        discovery: {
          static: {
            endpoints: [
              { url: 'http://a:1', name: 'a', type: 'x', weight: 2, auth: { type: 'bearer', token: 't', tokne: 'x' } },
            ],
          },
        },
      },
      { env: {} },
    );
    expect(warnings).toEqual([
      'unknown key server.prot (ignored)',
      'unknown key server.cors.allow_origin (ignored)',
      'unknown key extra (ignored)',
      'unknown key discovery.static.endpoints[0].weight (ignored)',
      'unknown key discovery.static.endpoints[0].auth.tokne (ignored)',
    ]);
  });
});

describe('outlier detection', () => {
  it('defaults to both ejection rules on', () => {
    expect(parseConfig({}).config.proxy.outlierDetection).toEqual({
      enabled: true,
      consecutiveFailures: 5,
      failureRateThreshold: 50,
      failureRateWindow: 10 * SECOND,
      failureRateMinRequests: 20,
      baseEjectionTime: 30 * SECOND,
      maxEjectionTime: 5 * MINUTE,
    });
  });

  it('keeps only the keys an endpoint sets, and nothing for an endpoint without the block', () => {
    const list = parseConfig(
      endpoints(
        { url: 'http://a:1', name: 'a', type: 'vllm', outlier_detection: { enabled: false } },
        {
          url: 'http://b:1',
          name: 'b',
          type: 'vllm',
          outlier_detection: { failure_rate_window: '30s', consecutive_failures: null },
        },
        { url: 'http://c:1', name: 'c', type: 'vllm' },
      ),
    ).config.discovery.static.endpoints;
    expect(list.map((e) => e.outlierDetection)).toEqual([
      { enabled: false },
      { failureRateWindow: 30 * SECOND },
      undefined,
    ]);
    expect(
      parseConfig(endpoints({ url: 'http://c:1', name: 'c', type: 'vllm', outlier_detection: {} })).warnings,
    ).toEqual([]);
  });
});

describe('our additions', () => {
  it('expand ${VAR} in the admin token and keep profiles_dir', () => {
    const { config } = parseConfig(
      { server: { auth: { token: '${ADMIN}' } }, profiles_dir: 'my-profiles' },
      { env: { ADMIN: 't0k' } },
    );
    expect(config.server.auth.token).toBe('t0k');
    expect(config.profilesDir).toBe('my-profiles');
  });
});

describe('state.redis', () => {
  it('is off by default: every instance keeps its own state', () => {
    expect(parseConfig({}, { env: {} }).config.state).toEqual({ redis: undefined });
  });

  it('reads the url, prefix, budget and a password from the environment or a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'olla-state-'));
    writeFileSync(join(dir, 'pw'), 's3cret\n');
    const fromEnv = parseConfig(
      { state: { redis: { url: 'redis://10.0.0.5:6379/2', password: '${PW}', timeout: '20ms', key_prefix: 'a:' } } },
      { env: { PW: 'hunter2' } },
    ).config.state.redis;
    expect(fromEnv).toEqual({
      url: 'redis://10.0.0.5:6379/2',
      keyPrefix: 'a:',
      password: 'hunter2',
      tls: false,
      timeout: 20,
    });
    const fromFile = parseConfig(
      { state: { redis: { url: 'rediss://cache:6380', password_file: 'pw' } } },
      { env: {}, cwd: dir },
    ).config.state.redis;
    expect(fromFile).toMatchObject({ password: 's3cret', tls: true, keyPrefix: 'olla:', timeout: 5 });
  });

  it('takes OLLA_STATE_REDIS_URL', () => {
    const { document } = applyEnvOverrides({}, { OLLA_STATE_REDIS_URL: 'redis://h:1' });
    expect(parseConfig(document, { env: {} }).config.state.redis?.url).toBe('redis://h:1');
  });

  it('refuses bad urls, passwords in urls, two password sources and missing secrets, never echoing one', () => {
    expect(issuesOf({ state: { redis: { url: 'http://h:1' } } })).toEqual([
      'state.redis.url has scheme "http"; use redis:// or rediss://',
    ]);
    const inUrl = issuesOf({ state: { redis: { url: 'redis://:topsecret@h:1' } } });
    expect(inUrl).toEqual([
      'state.redis.url has a password in it; move it to state.redis.password or state.redis.password_file so it is never logged',
    ]);
    expect(inUrl.join()).not.toContain('topsecret');
    expect(issuesOf({ state: { redis: { url: 'redis://h:1', password: 'a', password_file: 'b' } } })).toEqual([
      'state.redis.password and password_file are both set; use one',
    ]);
    expect(issuesOf({ state: { redis: { url: 'redis://h:1', password: '${NOPE}' } } })).toEqual([
      'state.redis.password: environment variable "NOPE" is not set',
    ]);
  });
});
