import { beforeAll, describe, expect, it } from 'vitest';
import type { PlatformProfile } from '../../core/domain/profile.js';
import { loadProfileRegistry } from './load-profiles.js';
import { parseProfile } from './parse-profile.js';
import { ProfileRegistry } from './profile-registry.js';

describe('ProfileRegistry over the shipped profiles', () => {
  let registry: ProfileRegistry;
  beforeAll(async () => {
    registry = await loadProfileRegistry();
  });

  it.each([
    ['lmstudio', 'lm-studio'],
    ['lm-studio', 'lm-studio'],
    ['lm_studio', 'lm-studio'],
    ['LM_Studio', 'lm-studio'],
    ['openai', 'openai-compatible'],
    ['openai-compatible', 'openai-compatible'],
    ['dmr', 'docker-model-runner'],
    ['docker-model-runner', 'docker-model-runner'],
    ['vllm-mlx', 'vllm-mlx'],
    ['Ollama', 'ollama'],
  ])('resolves the type %s to %s', (type, name) => {
    expect(registry.resolveType(type)).toBe(name);
  });

  it.each(['llama-cpp', 'llama_cpp', 'auto', 'anthropic', ''])('knows no profile for %j', (type) => {
    expect(registry.get(type)).toBeUndefined();
  });

  it('maps routing prefixes exactly, names included', () => {
    expect(registry.byPrefix('lm_studio')?.name).toBe('lm-studio');
    expect(registry.byPrefix('docker-model-runner')?.name).toBe('docker-model-runner');
    expect(registry.byPrefix('LMStudio')).toBeUndefined();
  });

  it('lists each declared routing prefix once, for route registration', () => {
    expect(registry.prefixes()).toEqual([
      'dmr',
      'lemonade',
      'litellm',
      'llamacpp',
      'lmstudio',
      'lm-studio',
      'lm_studio',
      'lmdeploy',
      'ollama',
      'omlx',
      'openai',
      'openai-compatible',
      'sglang',
      'vllm',
      'vllm-mlx',
    ]);
  });

  it('scopes a backend prefix to its own type and fails closed', () => {
    expect(registry.scopeFor('lmstudio')).toEqual({ profile: 'lm-studio', types: ['lm-studio'], failClosed: true });
    expect(registry.scopeFor('lmstudio')).toBe(registry.scopeFor('lm_studio'));
  });

  it('scopes the OpenAI prefixes to every OpenAI-compatible profile, without failing closed', () => {
    const scope = registry.scopeFor('openai')!;
    expect(scope.failClosed).toBe(false);
    expect(scope.types[0]).toBe('openai-compatible');
    expect([...scope.types].sort()).toEqual(registry.names());
    expect(registry.scopeFor('openai-compatible')).toBe(scope);
  });
});

describe('ProfileRegistry construction', () => {
  const profile = (yaml: string): PlatformProfile => parseProfile(yaml, 'test.yaml');

  it('lets a later profile of the same name replace an earlier one', () => {
    const registry = new ProfileRegistry([
      profile('name: a\ndescription: first\n'),
      profile('name: a\ndescription: second\n'),
    ]);
    expect(registry.all()).toHaveLength(1);
    expect(registry.get('a')?.description).toBe('second');
  });

  it('warns when two profiles claim one prefix and keeps a profile name over a borrowed prefix', () => {
    const registry = new ProfileRegistry([
      profile('name: zeta\nrouting:\n  prefixes: [shared, alpha]\n'),
      profile('name: beta\nrouting:\n  prefixes: [shared]\n'),
      profile('name: alpha\n'),
    ]);
    expect(registry.byPrefix('alpha')?.name).toBe('alpha');
    expect(registry.byPrefix('shared')?.name).toBe('beta');
    expect(registry.prefixes()).toEqual(['shared']);
    expect(registry.warnings()).toEqual([
      'profiles "beta" and "zeta" both claim prefix "shared"; "beta" keeps it',
      'profiles "alpha" and "zeta" both claim prefix "alpha"; "alpha" keeps it',
    ]);
  });
});
