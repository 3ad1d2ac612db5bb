import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveUrlPath, trimTrailingSlashes } from './resolve-url.js';

describe('resolveUrlPath', () => {
  it.each([
    ['http://localhost:11434', '/api/tags', 'http://localhost:11434/api/tags'],
    ['http://localhost:11434/', '/api/tags', 'http://localhost:11434/api/tags'],
    ['http://localhost:11434', '/', 'http://localhost:11434/'],
    ['http://localhost:11434/', '/', 'http://localhost:11434/'],
    ['http://localhost:12434/engines/llama.cpp/', '/v1/models', 'http://localhost:12434/engines/llama.cpp/v1/models'],
    ['http://localhost:12434/engines/llama.cpp', '/v1/models', 'http://localhost:12434/engines/llama.cpp/v1/models'],
    ['http://host/api/', 'v1/models', 'http://host/api/v1/models'],
    ['http://host/api//', '//v1//models/', 'http://host/api/v1/models'],
    ['http://host/a/b', '../c', 'http://host/a/c'],
    ['http://host', '/../../etc', 'http://host/etc'],
    ['http://host/base?tenant=1', '/health', 'http://host/base/health?tenant=1'],
    ['http://localhost:11434', 'http://other:9000/models', 'http://other:9000/models'],
    ['', '/health', '/health'],
    ['http://host:1', '', 'http://host:1'],
  ])('joins %s and %s into %s', (base, path, expected) => {
    expect(resolveUrlPath(base, path)).toBe(expected);
  });

  it('keeps the base URL origin and path prefix for any relative path', () => {
    const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 3 }), fc.array(segment, { maxLength: 4 }), (prefix, rest) => {
        const base = `http://h:1/${prefix.join('/')}`;
        const joined = resolveUrlPath(base, `/${rest.join('/')}`);
        const expected = `/${[...prefix, ...rest].join('/')}`;
        expect(joined).toBe(`http://h:1${expected}`);
      }),
    );
  });
});

describe('trimTrailingSlashes', () => {
  it.each([
    ['http://h:1/', 'http://h:1'],
    ['http://h:1/api//', 'http://h:1/api'],
    ['http://h:1', 'http://h:1'],
  ])('turns %s into %s', (url, expected) => {
    expect(trimTrailingSlashes(url)).toBe(expected);
  });
});
