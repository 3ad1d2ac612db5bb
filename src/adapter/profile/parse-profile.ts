import { parse as parseYaml } from 'yaml';
import type { PlatformProfile } from '../../core/domain/profile.js';
import { ConfigError } from '../../core/errors.js';
import { KNOWN_SECTIONS, type ProfileFile, profileFileSchema } from './profile-schema.js';

// The Go original's fallbacks for values left at zero (its ConfigurableProfile getters).
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_CONCURRENT = 10;
const DEFAULT_PRIORITY = 50;
const DEFAULT_VERSION = '1.0';

/**
 * Parse one profile file into a `PlatformProfile`. `file` is only used in error messages.
 * Any problem is a `ConfigError` whose lines name the file and the key path at fault.
 */
export function parseProfile(source: string, file: string): PlatformProfile {
  let document: unknown;
  try {
    document = parseYaml(source);
  } catch (error) {
    throw new ConfigError([`${file}: not valid YAML: ${(error as Error).message}`]);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([`${file}: a profile must be a YAML mapping`]);
  }

  const result = profileFileSchema.safeParse(document);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${file}: ${keyPath(issue.path)}: ${issue.message}`));
  }
  return toPlatformProfile(result.data, extraSections(document as Record<string, unknown>));
}

function toPlatformProfile(file: ProfileFile, extra: Record<string, unknown>): PlatformProfile {
  const { api, characteristics: traits, detection, models, request } = file;
  const rules = request.parsing_rules;
  const anthropic = api.anthropic_support;
  return {
    name: file.name,
    version: file.version || DEFAULT_VERSION,
    displayName: file.display_name,
    description: file.description,
    home: file.home,
    routing: { prefixes: file.routing.prefixes },
    api: {
      openaiCompatible: api.openai_compatible,
      paths: api.paths,
      modelDiscoveryPath: api.model_discovery_path,
      healthCheckPath: api.health_check_path,
      anthropicSupport: anthropic && {
        enabled: anthropic.enabled,
        messagesPath: anthropic.messages_path,
        tokenCount: anthropic.token_count,
        minVersion: anthropic.min_version,
        limitations: anthropic.limitations,
      },
      responsesSupport: api.responses_support && {
        enabled: api.responses_support.enabled,
        path: api.responses_support.responses_path || '/v1/responses',
      },
    },
    characteristics: {
      timeoutMs: traits.timeout || DEFAULT_TIMEOUT_MS,
      maxConcurrentRequests: traits.max_concurrent_requests || DEFAULT_MAX_CONCURRENT,
      defaultPriority: traits.default_priority || DEFAULT_PRIORITY,
      streamingSupport: traits.streaming_support,
      auth: traits.auth && {
        required: traits.auth.required,
        types: traits.auth.types,
        defaultHeader: traits.auth.default_header,
      },
    },
    detection: {
      userAgentPatterns: detection.user_agent_patterns,
      headers: detection.headers,
      pathIndicators: detection.path_indicators,
      defaultPorts: detection.default_ports,
      responsePatterns: detection.response_patterns,
    },
    models: {
      nameFormat: models.name_format,
      capabilityPatterns: models.capability_patterns,
      contextPatterns: models.context_patterns,
    },
    request: {
      modelFieldPaths: request.model_field_paths,
      responseFormat: request.response_format,
      parsingRules: {
        chatCompletionsPath: rules.chat_completions_path,
        completionsPath: rules.completions_path,
        generatePath: rules.generate_path,
        modelFieldName: rules.model_field_name,
        supportsStreaming: rules.supports_streaming,
      },
    },
    pathIndices: toPathIndices(file.path_indices),
    extra,
  };
}

function toPathIndices(indices: ProfileFile['path_indices']): PlatformProfile['pathIndices'] {
  const result: PlatformProfile['pathIndices'] = {};
  if (indices?.health !== undefined) result.health = indices.health;
  if (indices?.models !== undefined) result.models = indices.models;
  if (indices?.completions !== undefined) result.completions = indices.completions;
  if (indices?.chat_completions !== undefined) result.chatCompletions = indices.chat_completions;
  if (indices?.embeddings !== undefined) result.embeddings = indices.embeddings;
  return result;
}

function extraSections(document: Record<string, unknown>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    if (!KNOWN_SECTIONS.has(key)) extra[key] = value;
  }
  return extra;
}

/** `['api', 'paths', 2]` → `api.paths[2]`. */
function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}
