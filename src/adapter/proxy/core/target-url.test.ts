import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../core/domain/endpoint.js';
import { buildTargetPath } from './target-url.js';
import { toUpstreamTarget } from './upstream-target.js';

/** The original's url_builder cases, with the route prefix already stripped by the handler. */
const cases: [description: string, baseUrl: string, preservePath: boolean, targetPath: string, expected: string][] = [
  ['no base path', 'http://localhost:8080', false, '/chat/completions', '/chat/completions'],
  ['root base path', 'http://localhost:8080/', false, '/chat/completions', '/chat/completions'],
  [
    'base path replaced without preserve_path',
    'http://localhost:8080/api/v1/',
    false,
    '/chat/completions',
    '/chat/completions',
  ],
  [
    'base path kept with preserve_path',
    'http://api.example.com/v1/api',
    true,
    '/chat/completions',
    '/v1/api/chat/completions',
  ],
  [
    'trailing slash on the base',
    'http://api.example.com/api/v1/',
    true,
    '/chat/completions',
    '/api/v1/chat/completions',
  ],
  [
    'llama.cpp engine path',
    'http://localhost:8080/engines/llama.cpp/',
    true,
    '/completions',
    '/engines/llama.cpp/completions',
  ],
  ['preserve_path without a base path', 'http://api.example.com', true, '/chat/completions', '/chat/completions'],
  ['preserve_path with a root base', 'http://api.example.com/', true, '/chat/completions', '/chat/completions'],
  [
    'deep nesting',
    'http://api.example.com/api/v2/llm',
    true,
    '/models/gpt-4/generate',
    '/api/v2/llm/models/gpt-4/generate',
  ],
  [
    'double slashes collapse with preserve_path',
    'http://h/api/v1',
    true,
    '//double//slashes//',
    '/api/v1/double/slashes',
  ],
  ['double slashes kept without preserve_path', 'http://h/api/v1', false, '//double//slashes//', '//double//slashes//'],
  ['traversal with preserve_path', 'http://h/api/v1', true, '/../../../etc/passwd', '/etc/passwd'],
  ['traversal without preserve_path', 'http://h/api/v1', false, '/../../../etc/passwd', '/etc/passwd'],
  ['encoded traversal', 'http://h', false, '/a/%2e%2E/%2E%2e/etc/passwd', '/etc/passwd'],
  ['dots inside names are not segments', 'http://h', false, '/engines/llama.cpp/v1', '/engines/llama.cpp/v1'],
  ['empty path after the prefix', 'http://h/api/v1', true, '', '/api/v1'],
  ['just a slash after the prefix', 'http://h/api/v1', true, '/', '/api/v1'],
  ['escapes stay as sent', 'http://h/api/v1', true, '/path%20with%20spaces', '/api/v1/path%20with%20spaces'],
  ['special characters', 'http://h/api/v1', true, '/model@latest/generate', '/api/v1/model@latest/generate'],
  [
    'query with preserve_path',
    'http://h/v1/api',
    true,
    '/models?filter=gpt&limit=10',
    '/v1/api/models?filter=gpt&limit=10',
  ],
  [
    'query without preserve_path',
    'http://h/v1/api',
    false,
    '/models?filter=gpt&limit=10',
    '/models?filter=gpt&limit=10',
  ],
  [
    'complex query',
    'http://h/api/v1',
    true,
    '/search?q=hello%20world&tags[]=llm',
    '/api/v1/search?q=hello%20world&tags[]=llm',
  ],
  ['empty query dropped', 'http://h/api/v1', true, '/models?', '/api/v1/models'],
  ['fragment never forwarded', 'http://h/api/v1', true, '/docs?page=1#section2', '/api/v1/docs?page=1'],
  ['path without a leading slash', 'http://h', false, 'api/tags', '/api/tags'],
];

describe('buildTargetPath', () => {
  it.each(cases)('%s', (_description, baseUrl, preservePath, targetPath, expected) => {
    const target = toUpstreamTarget({ url: baseUrl, preservePath, headers: {} } as unknown as Endpoint);
    expect(buildTargetPath(target.basePath, target.preservePath, targetPath)).toBe(expected);
  });
});

describe('toUpstreamTarget', () => {
  it('works out the origin and Host, IPv6 included', () => {
    const target = toUpstreamTarget({
      url: 'https://[::1]/v1',
      preservePath: true,
      headers: {},
    } as unknown as Endpoint);
    expect(target).toMatchObject({
      origin: 'https://[::1]',
      hostHeader: '[::1]',
      basePath: '/v1',
    });
  });

  it('lets the auth header win over a configured header of the same name', () => {
    const target = toUpstreamTarget({
      url: 'http://h:1234',
      preservePath: false,
      headers: { authorization: 'from-headers', 'X-Org': 'o' },
      authHeader: { name: 'Authorization', value: 'Bearer from-auth' },
    } as unknown as Endpoint);
    expect(target.extraHeaders).toEqual(['Authorization', 'Bearer from-auth', 'X-Org', 'o']);
    expect([...target.ownHeaders]).toEqual(['authorization', 'x-org']);
  });
});
