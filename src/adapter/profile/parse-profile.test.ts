import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { parseProfile } from './parse-profile.js';

/** Written the way the Go original's profiles are: extra keys, empty keys, prose sections. */
const ORIGINAL_STYLE = `
name: acme
display_name: "Acme"
routing:
  prefixes: [acme, acme_ai]
api:
  openai_compatible: true
  paths:
    - /v1/models
    - /v1/chat/completions
  model_discovery_path: /v1/models
  health_check_path: /healthz
  metrics_path: /metrics         # unknown to the schema: ignored, as Go does
characteristics:
  timeout: 90s
  single_model_server: true
detection:
  default_ports: [9000]
  response_headers:              # present but empty
path_indices:
  models: 0
  chat_completions: 1
  rerank: 7                      # documented index the schema does not read
resources:
  defaults: { min_memory_gb: 2 }
metrics:
  extraction: { enabled: true }
features:
  anything: { enabled: true }
`;

function issuesOf(source: string, file = 'bad.yaml'): string[] {
  try {
    parseProfile(source, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('parseProfile', () => {
  it('loads a profile written for the original, ignoring keys it does not read', () => {
    const profile = parseProfile(ORIGINAL_STYLE, 'acme.yaml');
    expect(profile.name).toBe('acme');
    expect(profile.routing.prefixes).toEqual(['acme', 'acme_ai']);
    expect(profile.api).toMatchObject({
      openaiCompatible: true,
      paths: ['/v1/models', '/v1/chat/completions'],
      modelDiscoveryPath: '/v1/models',
      healthCheckPath: '/healthz',
    });
    expect(profile.api).not.toHaveProperty('metrics_path');
    expect(profile.characteristics.timeoutMs).toBe(90_000);
    expect(profile.detection.defaultPorts).toEqual([9000]);
    expect(profile.pathIndices).toEqual({ models: 0, chatCompletions: 1 });
  });

  it('keeps the sections it does not act on in extra', () => {
    const profile = parseProfile(ORIGINAL_STYLE, 'acme.yaml');
    expect(Object.keys(profile.extra).sort()).toEqual(['features', 'metrics', 'resources']);
    expect(profile.extra.resources).toEqual({ defaults: { min_memory_gb: 2 } });
  });

  it('applies the original defaults for characteristics left unset', () => {
    const profile = parseProfile('name: bare\n', 'bare.yaml');
    expect(profile.version).toBe('1.0');
    expect(profile.characteristics).toMatchObject({
      timeoutMs: 120_000,
      maxConcurrentRequests: 10,
      defaultPriority: 50,
    });
    expect(profile.api.anthropicSupport).toBeUndefined();
    expect(profile.pathIndices).toEqual({});
  });

  it('maps anthropic support with its defaults', () => {
    const profile = parseProfile('name: x\napi:\n  anthropic_support:\n    enabled: true\n', 'x.yaml');
    expect(profile.api.anthropicSupport).toEqual({
      enabled: true,
      messagesPath: '',
      tokenCount: false,
      minVersion: undefined,
      limitations: [],
    });
  });

  it('reads values the way the original decoder does', () => {
    const profile = parseProfile(
      'name: x\nversion: 2\ncharacteristics:\n  streaming_support: yes\n  timeout: 1h30m\n',
      'x.yaml',
    );
    expect(profile.version).toBe('2');
    expect(profile.characteristics.streamingSupport).toBe(true);
    expect(profile.characteristics.timeoutMs).toBe(5_400_000);
  });

  it('names the file and key when a value has the wrong type', () => {
    const issues = issuesOf('name: x\ndetection:\n  default_ports: [8080, "eighty"]\n', 'profiles/x.yaml');
    expect(issues).toEqual([
      'profiles/x.yaml: detection.default_ports: item 1: "eighty" is not a whole number of at least 0',
    ]);
  });

  it('names the file and key when a duration is not in Go syntax', () => {
    // Go's decoder refuses a bare number for a duration too.
    expect(issuesOf('name: x\ncharacteristics:\n  timeout: 300\n')).toEqual([
      expect.stringMatching(/^bad\.yaml: characteristics\.timeout: 300 has no unit/),
    ]);
  });

  it('names the index of a bad entry in a list of mappings', () => {
    expect(issuesOf('name: x\nmodels:\n  context_patterns:\n    - pattern: a\n')).toEqual([
      'bad.yaml: models.context_patterns[0].context: is required',
    ]);
  });

  it('requires a name', () => {
    expect(issuesOf('version: "1.0"\n')).toEqual(['bad.yaml: name: is required']);
    expect(issuesOf('name: ""\n')).toEqual(['bad.yaml: name: is required']);
  });

  it('reports malformed YAML and non-mapping documents with the file name', () => {
    expect(issuesOf('name: [unclosed\n')[0]).toMatch(/^bad\.yaml: not valid YAML: /);
    expect(issuesOf('- just\n- a list\n')).toEqual(['bad.yaml: a profile must be a YAML mapping']);
  });
});
