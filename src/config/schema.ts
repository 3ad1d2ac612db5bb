/**
 * The config file's schema: the original's YAML keys (snake_case) in, `OllaConfig` (camelCase,
 * milliseconds, bytes) out, with every default of the original. Where the original's built-in
 * defaults and its shipped `config.yaml` disagree, the shipped file's value is used, since that is
 * what people run with; a key left out of a file takes the default, as it does in the original.
 *
 * Mistakes the original refuses are errors; mistakes it tolerates (it logs and falls back) are
 * warnings here, so every config that starts the original starts this too.
 */
import * as z from 'zod';
import { endpointListSchema, globalModelFilterSchema } from './endpoint-schema.js';
import {
  bool,
  count,
  describeValue,
  duration,
  lenient,
  oneOf,
  optional,
  type SchemaContext,
  section,
  size,
  text,
  textList,
} from './fields.js';
import { checkInspectorOutputDir, checkSessionHeader } from './inspector-checks.js';
import { type ParseResult, rejected } from './parse-result.js';
import { modelFallbacksSchema } from './fallbacks-schema.js';
import { proxySchema } from './proxy-schema.js';
import { dashboardSchema, serverSchema } from './server-schema.js';
import { stateSchema } from './state-schema.js';
import { formatSize } from './size.js';
import type {
  AnthropicTranslatorConfig,
  DiscoveryConfig,
  EndpointConfig,
  FallbackBehavior,
  LoggingConfig,
  ModelRegistryConfig,
  ResponsesTranslatorConfig,
  RoutingStrategyName,
  TelemetryConfig,
} from './types.js';
import { HOUR, MIB, MINUTE, SECOND } from './units.js';

/** The original's safety cap on translated Anthropic request bodies. */
const MAX_ANTHROPIC_MESSAGE_SIZE = 100 * MIB;

const ROUTING_STRATEGIES: readonly RoutingStrategyName[] = ['strict', 'optimistic', 'discovery'];
const FALLBACK_BEHAVIOURS: readonly FallbackBehavior[] = ['compatible_only', 'all', 'none'];
const LOG_LEVELS: readonly LoggingConfig['level'][] = ['debug', 'info', 'warn', 'error'];
const LOG_FORMATS: readonly LoggingConfig['format'][] = ['json', 'text'];
const LOG_OUTPUTS: readonly LoggingConfig['output'][] = ['stdout', 'file'];

/** With no file (or a file without `discovery.static.endpoints`) the original probes a local Ollama. */
const DEFAULT_ENDPOINTS: readonly EndpointConfig[] = [
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
];

export function createConfigSchema(context: SchemaContext) {
  return z
    .object({
      server: serverSchema(context),
      proxy: proxySchema(context),
      discovery: discoverySchema(context),
      model_registry: modelRegistrySchema(context),
      translators: section({ anthropic: anthropicSchema(context), responses: responsesSchema() }),
      logging: loggingSchema(context),
      engineering: section({ show_nerdstats: optional(bool, false) }),
      dashboard: dashboardSchema(context),
      model_aliases: modelAliasesSchema(context),
      model_fallbacks: modelFallbacksSchema(),
      profiles_dir: optional(text, ''),
      model_filter: globalModelFilterSchema,
      state: stateSchema(context),
      telemetry: telemetrySchema(context),
    })
    .transform((raw) => ({
      server: raw.server,
      proxy: raw.proxy,
      discovery: raw.discovery,
      modelRegistry: raw.model_registry,
      translators: raw.translators,
      logging: raw.logging,
      engineering: { showNerdstats: raw.engineering.show_nerdstats },
      dashboard: raw.dashboard,
      modelAliases: raw.model_aliases,
      modelFallbacks: raw.model_fallbacks,
      profilesDir: raw.profiles_dir,
      ...(raw.model_filter && { modelFilter: raw.model_filter }),
      state: raw.state,
      telemetry: raw.telemetry,
    }));
}

// ---- telemetry --------------------------------------------------------------------------------

/** The standard OpenTelemetry variables are the defaults, so an OTel-instrumented fleet needs no file edit. */
function telemetrySchema(context: SchemaContext) {
  return section({
    otlp: section({
      endpoint: optional(text, context.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? ''),
      service_name: optional(text, context.env.OTEL_SERVICE_NAME || 'olla'),
    }),
  }).transform((raw, ctx): TelemetryConfig => {
    const endpoint = raw.otlp.endpoint.trim();
    if (endpoint !== '' && !/^https?:\/\/[^/]/.test(endpoint)) {
      ctx.addIssue({
        code: 'custom',
        path: ['otlp', 'endpoint'],
        message: `${JSON.stringify(endpoint)} is not an http(s) URL (e.g. http://localhost:4318)`,
      });
    }
    return { otlp: { endpoint, serviceName: raw.otlp.service_name } };
  });
}

// ---- discovery --------------------------------------------------------------------------------

function discoverySchema(context: SchemaContext) {
  const modelDiscovery = section({
    enabled: optional(bool, true),
    interval: optional(duration, 5 * MINUTE),
    timeout: optional(duration, 30 * SECOND),
    concurrent_workers: optional(count, 5),
    retry_attempts: optional(count, 3),
    retry_backoff: optional(duration, SECOND),
  }).superRefine((discovery, ctx) => {
    if (!discovery.enabled) return;
    // Zero here would stop discovery in odd ways (a zero ticker, no workers, an instant timeout).
    for (const key of ['interval', 'timeout', 'concurrent_workers'] as const) {
      if (discovery[key] === 0) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'must be more than 0 while model discovery is enabled' });
      }
    }
  });

  return section({
    type: optional(oneOf(['static'] as const), 'static'),
    refresh_interval: optional(duration, 30 * SECOND),
    health_check: section({ initial_delay: optional(duration, SECOND) }),
    static: section({
      endpoints: endpointListSchema(context, 'discovery.static.endpoints', DEFAULT_ENDPOINTS),
    }),
    model_discovery: modelDiscovery,
  }).transform(
    (raw): DiscoveryConfig => ({
      type: raw.type,
      refreshInterval: raw.refresh_interval,
      healthCheck: { initialDelay: raw.health_check.initial_delay },
      static: { endpoints: raw.static.endpoints },
      modelDiscovery: {
        enabled: raw.model_discovery.enabled,
        interval: raw.model_discovery.interval,
        timeout: raw.model_discovery.timeout,
        concurrentWorkers: raw.model_discovery.concurrent_workers,
        retryAttempts: raw.model_discovery.retry_attempts,
        retryBackoff: raw.model_discovery.retry_backoff,
      },
    }),
  );
}

// ---- model registry ---------------------------------------------------------------------------

function modelRegistrySchema(context: SchemaContext) {
  const path = 'model_registry.routing_strategy';
  return section({
    type: optional(oneOf(['memory'] as const), 'memory'),
    enable_unifier: optional(bool, true),
    unification: section({
      stale_threshold: optional(duration, 24 * HOUR),
      cleanup_interval: optional(duration, 10 * MINUTE),
    }),
    routing_strategy: section({
      type: lenient(oneOf(ROUTING_STRATEGIES), 'strict', `${path}.type`, context.warn),
      options: section({
        fallback_behavior: lenient(
          oneOf(FALLBACK_BEHAVIOURS),
          'compatible_only',
          `${path}.options.fallback_behavior`,
          context.warn,
        ),
        discovery_timeout: optional(duration, 2 * SECOND),
        discovery_refresh_on_miss: optional(bool, false),
      }),
    }),
  }).transform(
    (raw): ModelRegistryConfig => ({
      type: raw.type,
      enableUnifier: raw.enable_unifier,
      unification: {
        staleThreshold: raw.unification.stale_threshold,
        cleanupInterval: raw.unification.cleanup_interval,
      },
      routingStrategy: {
        type: raw.routing_strategy.type,
        options: {
          fallbackBehavior: raw.routing_strategy.options.fallback_behavior,
          discoveryTimeout: raw.routing_strategy.options.discovery_timeout,
          discoveryRefreshOnMiss: raw.routing_strategy.options.discovery_refresh_on_miss,
        },
      },
    }),
  );
}

// ---- translators ------------------------------------------------------------------------------

function anthropicSchema(context: SchemaContext) {
  const maxMessageSize = (input: unknown): ParseResult<number> => {
    const result = size(input);
    if (!result.ok || result.value <= MAX_ANTHROPIC_MESSAGE_SIZE) return result;
    return rejected(`${formatSize(result.value)} is over the ${formatSize(MAX_ANTHROPIC_MESSAGE_SIZE)} safety limit`);
  };
  return section({
    enabled: optional(bool, true),
    passthrough_enabled: optional(bool, true),
    max_message_size: optional(maxMessageSize, 10 * MIB),
    inspector: section({
      enabled: optional(bool, false),
      output_dir: optional(text, 'logs/inspector/anthropic'),
      session_header: optional(text, 'X-Session-ID'),
    }),
  }).transform((raw, ctx): AnthropicTranslatorConfig => {
    const inspector = {
      enabled: raw.inspector.enabled,
      outputDir: raw.inspector.output_dir,
      sessionHeader: raw.inspector.session_header,
    };
    // Only a switched-on inspector writes anything, so only then are its settings held to account.
    if (inspector.enabled) {
      const outputDir = checkInspectorOutputDir(inspector.outputDir, context.cwd);
      const sessionHeader = checkSessionHeader(inspector.sessionHeader);
      if (outputDir.ok) inspector.outputDir = outputDir.value;
      else ctx.addIssue({ code: 'custom', path: ['inspector', 'output_dir'], message: outputDir.reason });
      if (sessionHeader.ok) inspector.sessionHeader = sessionHeader.value;
      else ctx.addIssue({ code: 'custom', path: ['inspector', 'session_header'], message: sessionHeader.reason });
    }
    return {
      enabled: raw.enabled,
      passthroughEnabled: raw.passthrough_enabled,
      maxMessageSize: raw.max_message_size,
      inspector,
    };
  });
}

/** `translators.responses`: the OpenAI Responses API front and its stored conversations. */
function responsesSchema() {
  return section({
    enabled: optional(bool, true),
    passthrough_enabled: optional(bool, true),
    max_message_size: optional(size, 10 * MIB),
    store: section({ max_entries: optional(count, 1000), ttl: optional(duration, HOUR) }),
  }).transform(
    (raw): ResponsesTranslatorConfig => ({
      enabled: raw.enabled,
      passthroughEnabled: raw.passthrough_enabled,
      maxMessageSize: raw.max_message_size,
      store: { maxEntries: raw.store.max_entries, ttlMs: raw.store.ttl },
    }),
  );
}

// ---- logging, aliases --------------------------------------------------------------

function loggingSchema(context: SchemaContext) {
  // The original compares levels case-insensitively and takes "warning" for warn.
  const level = (input: unknown): ParseResult<LoggingConfig['level']> => {
    const word = typeof input === 'string' ? input.toLowerCase() : '';
    const known = oneOf(LOG_LEVELS)(word === 'warning' ? 'warn' : word);
    return known.ok ? known : rejected(`${describeValue(input)} is not one of ${LOG_LEVELS.join(', ')}`);
  };
  return section({
    level: lenient(level, 'info', 'logging.level', context.warn),
    format: lenient(oneOf(LOG_FORMATS), 'json', 'logging.format', context.warn),
    output: lenient(oneOf(LOG_OUTPUTS), 'stdout', 'logging.output', context.warn),
  });
}

function modelAliasesSchema(context: SchemaContext) {
  return z
    .preprocess((input) => input ?? {}, z.record(z.string(), optional(textList, [])))
    .superRefine((aliases, ctx) => {
      for (const [alias, models] of Object.entries(aliases)) {
        if (alias.trim() === '') ctx.addIssue({ code: 'custom', path: [], message: 'an alias name must not be empty' });
        else if (alias.trim() !== alias) {
          ctx.addIssue({ code: 'custom', path: [alias], message: 'has spaces around the alias name; remove them' });
        }
        if (models.length === 0)
          ctx.addIssue({ code: 'custom', path: [alias], message: 'has no models; list at least one' });
        const seen = new Set<string>();
        for (const [index, model] of models.entries()) {
          if (model === '') ctx.addIssue({ code: 'custom', path: [alias, index], message: 'is an empty model name' });
          else if (seen.has(model))
            context.warn(`model_aliases.${alias}[${index}]`, `${JSON.stringify(model)} is listed twice`);
          seen.add(model);
        }
      }
    })
    .default({});
}
