import { describe, expect, it } from 'vitest';
import { dialectFor, pathOf } from './reply-error.js';

describe('dialectFor', () => {
  it.each([
    ['/olla/anthropic/v1/messages', 'anthropic'],
    ['/olla/proxy/v1/chat/completions', 'openai'],
    ['/olla/vllm/v1/completions', 'openai'],
    ['/olla/ollama/api/chat', 'olla'],
    ['/olla/lmstudio/api/v0/models', 'olla'],
    ['/olla/models', 'olla'],
    ['/internal/status', 'olla'],
    ['/version', 'olla'],
  ])('answers %s in the %s dialect', (path, dialect) => {
    expect(dialectFor(path)).toBe(dialect);
  });
});

describe('pathOf', () => {
  it('drops the query string', () => {
    expect(pathOf('/olla/models?format=openai')).toBe('/olla/models');
    expect(pathOf('/internal/health')).toBe('/internal/health');
  });
});
