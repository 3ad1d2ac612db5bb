import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { findFallbackCycle } from './fallbacks-schema.js';
import { parseConfig } from './parse.js';

function issuesOf(document: unknown): string[] {
  try {
    parseConfig(document, { filename: 'test' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('model_fallbacks', () => {
  it('parses chains in order', () => {
    const { config } = parseConfig({ model_fallbacks: { big: ['medium', 'small'] } }, { filename: 'test' });
    expect(config.modelFallbacks).toEqual({ big: ['medium', 'small'] });
  });

  it('refuses a loop with the key path of the link that closes it', () => {
    const issues = issuesOf({ model_fallbacks: { a: ['b'], b: ['c'], c: ['a'] } });
    expect(issues).toEqual([expect.stringMatching(/^model_fallbacks\.c\[0\]: .*loop \(a -> b -> c -> a\)/)]);
  });

  it('refuses a model falling back to itself', () => {
    expect(issuesOf({ model_fallbacks: { a: ['a'] } })).toEqual([expect.stringMatching(/model_fallbacks\.a\[0\]/)]);
  });

  it('finds a loop exactly when following the chains transitively revisits a model', () => {
    const names = fc.constantFrom('a', 'b', 'c', 'd');
    fc.assert(
      fc.property(fc.dictionary(names, fc.array(names, { maxLength: 3 })), (chains) => {
        // Reference: depth-first search with an explicit stack of the current path.
        const loops = (model: string, path: string[]): boolean =>
          (chains[model] ?? []).some((next) => path.includes(next) || next === model || loops(next, [...path, model]));
        const expected = Object.keys(chains).some((m) => loops(m, []));
        return (findFallbackCycle(chains) !== undefined) === expected;
      }),
    );
  });
});

describe('proxy.queue and max_concurrent_requests', () => {
  it('default to a disabled queue and no per-endpoint limit', () => {
    const { config } = parseConfig({}, { filename: 'test' });
    expect(config.proxy.queue).toEqual({ enabled: false, maxSize: 100, maxWait: 30_000 });
    expect(config.proxy.preferLoadedModels).toBe(true);
    expect(config.discovery.static.endpoints[0]!.maxConcurrentRequests).toBeUndefined();
  });

  it('read an explicit limit, zero included', () => {
    const { config } = parseConfig(
      {
        discovery: {
          static: {
            endpoints: [
              { name: 'a', url: 'http://127.0.0.1:1', type: 'ollama', max_concurrent_requests: 0 },
              { name: 'b', url: 'http://127.0.0.1:2', type: 'ollama', max_concurrent_requests: 3 },
            ],
          },
        },
        proxy: { queue: { enabled: true, max_size: 5, max_wait: '300ms' } },
      },
      { filename: 'test' },
    );
    expect(config.discovery.static.endpoints.map((e) => e.maxConcurrentRequests)).toEqual([0, 3]);
    expect(config.proxy.queue).toEqual({ enabled: true, maxSize: 5, maxWait: 300 });
  });

  it('refuses a negative limit with its key path', () => {
    const issues = issuesOf({
      discovery: { static: { endpoints: [{ name: 'a', url: 'http://127.0.0.1:1', max_concurrent_requests: -2 }] } },
    });
    expect(issues).toEqual([expect.stringMatching(/^discovery\.static\.endpoints\[0\]\.max_concurrent_requests: /)]);
  });
});
