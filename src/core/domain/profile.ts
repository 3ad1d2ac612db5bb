/**
 * A backend profile: everything Olla knows about one kind of inference server, loaded from
 * `config/profiles/<name>.yaml` (same schema as the Go original's profile files). Field names
 * are camelCase here; the loader maps the YAML's snake_case.
 */

export interface AnthropicSupport {
  enabled: boolean;
  messagesPath: string;
  tokenCount: boolean;
  minVersion?: string;
  limitations: string[];
}

export interface ContextPattern {
  pattern: string;
  context: number;
}

export interface PlatformProfile {
  name: string;
  version: string;
  displayName: string;
  description: string;
  home?: string;
  routing: { prefixes: string[] };
  api: {
    openaiCompatible: boolean;
    paths: string[];
    modelDiscoveryPath: string;
    healthCheckPath: string;
    anthropicSupport?: AnthropicSupport;
    /** The backend serves the OpenAI Responses API itself (stateless), at `path`. */
    responsesSupport?: { enabled: boolean; path: string };
  };
  characteristics: {
    timeoutMs: number;
    maxConcurrentRequests: number;
    defaultPriority: number;
    streamingSupport: boolean;
    auth?: { required: boolean; types: string[]; defaultHeader?: string };
  };
  detection: {
    userAgentPatterns: string[];
    headers: string[];
    pathIndicators: string[];
    defaultPorts: number[];
    responsePatterns: string[];
  };
  models: {
    nameFormat: string;
    capabilityPatterns: Record<string, string[]>;
    contextPatterns: ContextPattern[];
  };
  request: {
    modelFieldPaths: string[];
    responseFormat: string;
    parsingRules: {
      chatCompletionsPath: string;
      completionsPath: string;
      generatePath: string;
      modelFieldName: string;
      supportsStreaming: boolean;
    };
  };
  pathIndices: Partial<Record<'health' | 'models' | 'completions' | 'chatCompletions' | 'embeddings', number>>;
  /** Sections Olla carries but does not act on (resources, metrics); kept for status output. */
  extra: Record<string, unknown>;
}
