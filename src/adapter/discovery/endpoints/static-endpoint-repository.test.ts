import { beforeAll, describe, expect, it } from 'vitest';
import type { EndpointConfig } from '../../../config/types.js';
import type { Endpoint, EndpointStatus } from '../../../core/domain/endpoint.js';
import { loadProfileRegistry } from '../../profile/load-profiles.js';
import type { ProfileRegistry } from '../../profile/profile-registry.js';
import { buildEndpoints } from './build-endpoints.js';
import { endpointView } from './endpoint-view.js';
import { StaticEndpointRepository } from './static-endpoint-repository.js';

describe('StaticEndpointRepository', () => {
  let profiles: ProfileRegistry;
  beforeAll(async () => {
    profiles = await loadProfileRegistry();
  });

  const configOf = (name: string, type: string, url: string, extra: Partial<EndpointConfig> = {}): EndpointConfig => ({
    name,
    type,
    url,
    modelUrl: '',
    healthCheckUrl: '',
    checkInterval: 0,
    checkTimeout: 0,
    preservePath: false,
    headers: {},
    ...extra,
  });

  function repositoryOf(...specs: [name: string, type: string, status: EndpointStatus][]) {
    const configs = specs.map(([name, type], i) => configOf(name, type, `http://127.0.0.1:${1000 + i}`));
    const endpoints = buildEndpoints(configs, profiles);
    specs.forEach(([, , status], i) => {
      endpoints[i]!.status = status;
    });
    return { repository: new StaticEndpointRepository(endpoints), endpoints };
  }

  const names = (list: readonly Endpoint[]) => list.map((e) => e.name);

  it('lists every endpoint and finds one by name', () => {
    const { repository, endpoints } = repositoryOf(['a', 'ollama', 'healthy'], ['b', 'vllm', 'offline']);
    expect(repository.all()).toEqual(endpoints);
    expect(repository.get('b')).toBe(endpoints[1]);
    expect(repository.get('missing')).toBeUndefined();
  });

  it('routes to healthy, busy and warming endpoints only', () => {
    const { repository } = repositoryOf(
      ['healthy', 'ollama', 'healthy'],
      ['busy', 'ollama', 'busy'],
      ['warming', 'ollama', 'warming'],
      ['offline', 'ollama', 'offline'],
      ['unhealthy', 'ollama', 'unhealthy'],
      ['unknown', 'ollama', 'unknown'],
      ['config', 'ollama', 'config_error'],
      ['limited', 'ollama', 'rate_limited'],
    );
    expect(names(repository.routable())).toEqual(['healthy', 'busy', 'warming']);
  });

  it('hands out the same routable list until a status changes', () => {
    const { repository, endpoints } = repositoryOf(['a', 'ollama', 'healthy'], ['b', 'ollama', 'offline']);
    const first = repository.routable();
    expect(repository.routable()).toBe(first);

    endpoints[1]!.status = 'healthy';
    expect(repository.routable()).toBe(first); // stale until told
    repository.statusChanged();

    expect(names(repository.routable())).toEqual(['a', 'b']);
  });

  it('filters by type, counting auto endpoints as every type', () => {
    const { repository } = repositoryOf(
      ['ollama', 'ollama', 'healthy'],
      ['studio', 'lmstudio', 'healthy'],
      ['vllm', 'vllm', 'healthy'],
      ['anything', 'auto', 'healthy'],
      ['down', 'ollama', 'offline'],
    );
    expect(names(repository.routableOfTypes(['ollama']))).toEqual(['ollama', 'anything']);
    expect(names(repository.routableOfTypes(['lm-studio', 'vllm']))).toEqual(['studio', 'vllm', 'anything']);
    expect(names(repository.routableOfTypes([]))).toEqual(['ollama', 'studio', 'vllm', 'anything']);
    expect(names(repository.routableOfTypes(profiles.scopeFor('vllm')!.types))).toEqual(['vllm', 'anything']);
  });

  it('caches a type filter per types array and drops it on a status change', () => {
    const { repository, endpoints } = repositoryOf(['a', 'vllm', 'healthy'], ['b', 'vllm', 'offline']);
    const types = ['vllm'];
    const first = repository.routableOfTypes(types);
    expect(repository.routableOfTypes(types)).toBe(first);

    endpoints[1]!.status = 'busy';
    repository.statusChanged();

    expect(names(repository.routableOfTypes(types))).toEqual(['a', 'b']);
  });

  it('replaces the set on reload: unchanged endpoints keep their object, changed ones their health state', () => {
    const { repository, endpoints } = repositoryOf(
      ['a', 'ollama', 'healthy'],
      ['b', 'vllm', 'offline'],
      ['c', 'ollama', 'healthy'],
    );
    const [a, b] = endpoints;
    b!.consecutiveFailures = 4;
    b!.lastError = 'connect ECONNREFUSED 127.0.0.1:11434';
    const routableBefore = repository.routable();
    const next = buildEndpoints(
      [
        configOf('a', 'ollama', a!.url),
        configOf('b', 'vllm', b!.url, { priority: 5 }),
        configOf('d', 'ollama', 'http://127.0.0.1:2000'),
      ],
      profiles,
    );
    expect(repository.replace(next)).toEqual({ added: ['d'], removed: ['c'], changed: ['b'] });
    expect(repository.get('a')).toBe(a);
    expect(repository.get('b')).not.toBe(b);
    expect(repository.get('b')).toMatchObject({
      priority: 5,
      status: 'offline',
      consecutiveFailures: 4,
      lastError: 'connect ECONNREFUSED 127.0.0.1:11434',
    });
    expect(repository.get('c')).toBeUndefined();
    expect(names(repository.all())).toEqual(['a', 'b', 'd']);
    // Requests in flight keep the list they were handed; new ones see the new set.
    expect(names(routableBefore)).toEqual(['a', 'c']);
    expect(names(repository.routable())).toEqual(['a']);
  });
});

describe('endpointView', () => {
  it('shows the status fields and nothing configured as a secret', async () => {
    const profiles = await loadProfileRegistry();
    const [endpoint] = buildEndpoints(
      [
        {
          name: 'remote',
          type: 'openai',
          url: 'https://api.example.com/',
          modelUrl: '',
          healthCheckUrl: '',
          checkInterval: 0,
          checkTimeout: 0,
          preservePath: false,
          headers: { 'X-Org': 'org-42' },
          auth: { type: 'bearer', token: 'sk-live' },
        },
      ],
      profiles,
      5,
    );
    expect(endpointView(endpoint!)).toEqual({
      name: 'remote',
      type: 'openai-compatible',
      url: 'https://api.example.com',
      status: 'unknown',
      priority: 100,
      healthCheckUrl: 'https://api.example.com/v1/models',
      modelUrl: 'https://api.example.com/v1/models',
      lastChecked: 0,
      lastLatencyMs: 0,
      consecutiveFailures: 0,
      nextCheckTime: 5,
    });
  });
});
