import { beforeAll, describe, expect, it } from 'vitest';
import type { EndpointConfig } from '../../../config/types.js';
import { ConfigError } from '../../../core/errors.js';
import { loadProfileRegistry } from '../../profile/load-profiles.js';
import type { ProfileRegistry } from '../../profile/profile-registry.js';
import { buildEndpoints } from './build-endpoints.js';
import { endpointView } from './endpoint-view.js';

const NOW = 1_700_000_000_000;

function config(overrides: Partial<EndpointConfig>): EndpointConfig {
  return {
    name: 'local',
    url: 'http://localhost:11434',
    type: 'ollama',
    modelUrl: '',
    healthCheckUrl: '',
    checkInterval: 0,
    checkTimeout: 0,
    preservePath: false,
    headers: {},
    ...overrides,
  };
}

describe('buildEndpoints', () => {
  let profiles: ProfileRegistry;
  beforeAll(async () => {
    profiles = await loadProfileRegistry();
  });

  const build = (...configs: Partial<EndpointConfig>[]) => buildEndpoints(configs.map(config), profiles, NOW);
  const issuesOf = (...configs: Partial<EndpointConfig>[]): string[] => {
    try {
      build(...configs);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  };

  it('takes health and model URLs from the profile and the original defaults for the rest', () => {
    const [endpoint] = build({ url: 'http://localhost:11434/' });
    expect({ ...endpoint }).toEqual({
      name: 'local',
      type: 'ollama',
      url: 'http://localhost:11434',
      healthCheckUrl: 'http://localhost:11434/',
      modelUrl: 'http://localhost:11434/api/tags',
      priority: 100,
      checkInterval: 5_000,
      checkTimeout: 2_000,
      preservePath: false,
      status: 'unknown',
      lastChecked: 0,
      lastLatencyMs: 0,
      consecutiveFailures: 0,
      backoffMultiplier: 1,
      nextCheckTime: NOW,
    });
  });

  it.each([
    ['lm-studio', 'http://localhost:1234/v1/models', 'http://localhost:1234/api/v0/models'],
    ['vllm', 'http://localhost:1234/health', 'http://localhost:1234/v1/models'],
    ['lemonade', 'http://localhost:1234/api/v1/health', 'http://localhost:1234/api/v1/models'],
    ['auto', 'http://localhost:1234/', 'http://localhost:1234/v1/models'],
    ['', 'http://localhost:1234/', 'http://localhost:1234/v1/models'],
  ])('fills a %j endpoint with %s and %s', (type, health, models) => {
    const [endpoint] = build({ type, url: 'http://localhost:1234' });
    expect([endpoint!.healthCheckUrl, endpoint!.modelUrl]).toEqual([health, models]);
  });

  it('keeps the base URL path when joining profile paths', () => {
    const [endpoint] = build({ type: 'llamacpp', url: 'http://localhost:12434/engines/llama.cpp/' });
    expect(endpoint!.url).toBe('http://localhost:12434/engines/llama.cpp');
    expect(endpoint!.healthCheckUrl).toBe('http://localhost:12434/engines/llama.cpp/health');
    expect(endpoint!.modelUrl).toBe('http://localhost:12434/engines/llama.cpp/v1/models');
  });

  it('prefers what the config sets, including a priority of zero and absolute URLs', () => {
    const [endpoint] = build({
      priority: 0,
      checkInterval: 30_000,
      checkTimeout: 10_000,
      healthCheckUrl: '/ping',
      modelUrl: 'http://catalogue:9000/models',
      preservePath: true,
    });
    expect(endpoint).toMatchObject({
      priority: 0,
      checkInterval: 30_000,
      checkTimeout: 10_000,
      healthCheckUrl: 'http://localhost:11434/ping',
      modelUrl: 'http://catalogue:9000/models',
      preservePath: true,
    });
  });

  it('stores the canonical profile name for an aliased type', () => {
    const types = build(
      { name: 'a', type: 'lmstudio', url: 'http://a:1' },
      { name: 'b', type: 'lm_studio', url: 'http://b:1' },
      { name: 'c', type: 'openai', url: 'http://c:1' },
      { name: 'd', type: 'dmr', url: 'http://d:1' },
    ).map((e) => e.type);
    expect(types).toEqual(['lm-studio', 'lm-studio', 'openai-compatible', 'docker-model-runner']);
  });

  it('refuses an unknown type, listing the known ones', () => {
    expect(issuesOf({ type: 'tgi' })).toEqual([
      'endpoint "local": unsupported type "tgi"; supported types: docker-model-runner, lemonade, litellm, llamacpp, ' +
        'lm-studio, lmdeploy, ollama, omlx, openai-compatible, sglang, vllm, vllm-mlx, auto',
    ]);
  });

  it('reports every unknown type at once', () => {
    expect(
      issuesOf({ name: 'a', type: 'tgi', url: 'http://a:1' }, { name: 'b', type: 'llama_cpp', url: 'http://b:1' }),
    ).toEqual([
      expect.stringMatching(/^endpoint "a": unsupported type "tgi"/),
      expect.stringMatching(/^endpoint "b": unsupported type "llama_cpp"/),
    ]);
  });

  it('lets a later endpoint with the same URL replace an earlier one, as the original does', () => {
    const endpoints = build({ name: 'first' }, { name: 'second' });
    expect(endpoints.map((e) => e.name)).toEqual(['second']);
  });

  describe('outbound auth', () => {
    const secretConfigs: Partial<EndpointConfig>[] = [
      { name: 'basic', url: 'http://a:1', auth: { type: 'basic', username: 'olla', password: 'hunter2' } },
      { name: 'bearer', url: 'http://b:1', auth: { type: 'bearer', token: 'tok-hunter2' } },
      { name: 'key', url: 'http://c:1', auth: { type: 'api_key', key: 'key-hunter2', header: 'X-Secret' } },
    ];

    it('composes the header for each auth type', () => {
      expect(build(...secretConfigs).map((e) => e.authHeader)).toEqual([
        { name: 'Authorization', value: `Basic ${Buffer.from('olla:hunter2').toString('base64')}` },
        { name: 'Authorization', value: 'Bearer tok-hunter2' },
        { name: 'X-Secret', value: 'key-hunter2' },
      ]);
    });

    it('never serialises the auth header or the configured headers', () => {
      const endpoints = build(...secretConfigs.map((c) => ({ ...c, headers: { 'X-Tenant': 'tenant-hunter2' } })));
      expect(endpoints[0]!.headers).toEqual({ 'X-Tenant': 'tenant-hunter2' });
      const serialised = [
        JSON.stringify(endpoints),
        JSON.stringify(endpoints.map(endpointView)),
        JSON.stringify({ ...endpoints[0] }),
        Object.keys(endpoints[1]!).join(','),
      ].join('\n');
      expect(serialised).not.toMatch(/hunter2|aHVudGVyMg|Authorization|X-Secret|X-Tenant/);
    });

    it('has no auth header when none is configured', () => {
      expect(build({})[0]!.authHeader).toBeUndefined();
    });
  });
});
