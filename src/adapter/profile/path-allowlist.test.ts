import { beforeAll, describe, expect, it } from 'vitest';
import { loadProfileRegistry } from './load-profiles.js';
import { isPathAllowed } from './path-allowlist.js';
import type { ProfileRegistry } from './profile-registry.js';

describe('isPathAllowed', () => {
  let registry: ProfileRegistry;
  beforeAll(async () => {
    registry = await loadProfileRegistry();
  });

  it.each([
    ['ollama', '/api/chat', true],
    ['ollama', '/api/tags', true],
    ['ollama', '/', true],
    ['ollama', '/v1/chat/completions?stream=true', true],
    ['ollama', '/api/embed', true],
    ['ollama', '/api/chat/', true],
    ['ollama', '/API/CHAT', false],
    ['ollama', '/etc/passwd', false],
    ['ollama', '/api/../../etc/passwd', false],
    ['vllm', '/v1/messages/count_tokens', true],
    ['lm-studio', '/api/v0/models', true],
    ['lm-studio', '/api/generate', false],
    ['llamacpp', '/infill', true],
    ['llamacpp', '/health', true],
    ['llamacpp', '/slots', false],
    ['lmdeploy', '/pooling', true],
    ['lmdeploy', '/v1/embeddings', true],
    ['docker-model-runner', '/engines/llama.cpp/v1/chat/completions', true],
    ['docker-model-runner', '/v1/chat/completions', false],
  ])('%s allows %s: %s', (name, path, allowed) => {
    expect(isPathAllowed(registry.get(name)!, path)).toBe(allowed);
  });
});
