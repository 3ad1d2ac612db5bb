import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FallbackBehavior, ModelRegistryConfig, RoutingStrategyName } from '../../config/types.js';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import type { CapabilityNeeds, ModelCapability, ModelInfo } from '../../core/domain/model.js';
import { RequestBody } from '../../core/domain/request-body.js';
import {
  BodyCapabilityNeeds,
  IMAGE_MARKER_CORE,
  IMAGE_MARKERS,
  requiredCapabilities,
  requiredCapabilitiesOfBody,
} from './capabilities.js';
import { ModelCatalogue } from './model-catalogue.js';
import { ModelRouter } from './model-router.js';
import { statusForDecision } from './routing/strategies.js';

const a = fakeEndpoint({ name: 'a' });
const b = fakeEndpoint({ name: 'b' });
const c = fakeEndpoint({ name: 'c', type: 'vllm' });
const m = (name: string, extra: Partial<ModelInfo> = {}): ModelInfo => ({ name, lastSeen: 1, ...extra });

function catalogue(aliases: Record<string, string[]> = {}): ModelCatalogue {
  const cat = new ModelCatalogue({ enableUnifier: true, staleThresholdMs: 1000, cleanupIntervalMs: 0, aliases });
  cat.setModels(a, [m('llama3:8b'), m('llava:7b', { capabilities: ['vision'] })]);
  cat.setModels(b, [m('llama3:8b'), m('phi3')]);
  cat.setModels(c, [m('meta-llama/Llama-3.1-8B-Instruct')]);
  return cat;
}

function strategy(
  type: RoutingStrategyName,
  fallbackBehavior: FallbackBehavior = 'compatible_only',
  discoveryRefreshOnMiss = false,
): ModelRegistryConfig['routingStrategy'] {
  return { type, options: { fallbackBehavior, discoveryTimeout: 50, discoveryRefreshOnMiss } };
}

const names = (r: { endpoints: readonly { name: string }[] }) => r.endpoints.map((e) => e.name);

/** Needs already known, counting how often they are asked for. */
class Known implements CapabilityNeeds {
  asked = 0;
  constructor(
    readonly answer: ModelCapability[],
    readonly possible: ModelCapability[] = ['vision', 'tools'],
  ) {}

  needed(): readonly ModelCapability[] {
    this.asked++;
    return this.answer;
  }
}
const known = (needed: ModelCapability[], possible?: ModelCapability[]) => new Known(needed, possible);

describe('ModelRouter', () => {
  it('passes every candidate through when the request names no model', async () => {
    const router = new ModelRouter({ catalogue: catalogue(), strategy: strategy('strict') });
    const result = await router.route(undefined, [a, b]);
    expect(names(result)).toEqual(['a', 'b']);
    expect(result.decision).toBeUndefined();
  });

  // [strategy, fallback, model, candidates, endpoints, action, reason, status]
  const table: [RoutingStrategyName, FallbackBehavior, string, string[], string[], string, string, number][] = [
    ['strict', 'compatible_only', 'llama3:8b', ['a', 'b', 'c'], ['a', 'b'], 'routed', 'model_found', 200],
    ['strict', 'all', 'nope', ['a', 'b'], [], 'rejected', 'model_not_found', 404],
    ['strict', 'all', 'phi3', ['a'], [], 'rejected', 'model_unavailable', 503],
    ['optimistic', 'compatible_only', 'phi3', ['b'], ['b'], 'routed', 'model_found', 200],
    ['optimistic', 'compatible_only', 'nope', ['a'], [], 'rejected', 'model_not_found', 404],
    ['optimistic', 'none', 'nope', ['a'], [], 'rejected', 'model_not_found', 404],
    ['optimistic', 'all', 'nope', ['a', 'b'], ['a', 'b'], 'fallback', 'model_not_found_fallback', 200],
    ['optimistic', 'compatible_only', 'phi3', ['a'], [], 'rejected', 'model_unavailable_compatible_only', 503],
    ['optimistic', 'none', 'phi3', ['a'], [], 'rejected', 'model_unavailable_no_fallback', 503],
    ['optimistic', 'all', 'phi3', ['a', 'c'], ['a', 'c'], 'fallback', 'all_healthy_fallback', 200],
    ['discovery', 'none', 'phi3', ['b'], ['b'], 'routed', 'model_found_no_refresh', 200],
    ['discovery', 'all', 'phi3', ['a'], [], 'rejected', 'model_unavailable_no_refresh', 503],
  ];

  it.each(table)(
    '%s with %s routes %s among %j to %j (%s, %s → %i)',
    async (type, fallback, model, cands, expected, action, reason, status) => {
      const router = new ModelRouter({ catalogue: catalogue(), strategy: strategy(type, fallback) });
      const all = { a, b, c } as const;
      const result = await router.route(
        model,
        cands.map((n) => all[n as keyof typeof all]),
      );
      expect(names(result)).toEqual(expected);
      expect(result.decision).toEqual({ strategy: type, action, reason });
      expect(statusForDecision(result.decision!)).toBe(status);
    },
  );

  it('matches a lower-cased request against the unified model', async () => {
    const router = new ModelRouter({ catalogue: catalogue(), strategy: strategy('strict') });
    const result = await router.route('META-LLAMA/llama-3.1-8b-instruct', [a, b, c]);
    expect(names(result)).toEqual(['c']);
    expect(result.nativeName?.(c)).toBe('meta-llama/Llama-3.1-8B-Instruct');
  });

  describe('discovery refresh on a miss', () => {
    const table: [FallbackBehavior, 'ok' | 'fail', string[], string, string][] = [
      ['none', 'fail', [], 'rejected', 'discovery_failed_no_fallback'],
      ['compatible_only', 'fail', [], 'rejected', 'discovery_failed_compatible_only'],
      ['all', 'fail', ['a'], 'fallback', 'discovery_failed_all_fallback'],
      ['none', 'ok', [], 'rejected', 'model_unavailable_after_discovery'],
      ['compatible_only', 'ok', [], 'rejected', 'model_unavailable_after_discovery'],
      ['all', 'ok', ['a'], 'fallback', 'all_healthy_after_discovery'],
    ];
    it.each(table)(
      'with %s and a refresh that %s gives %j (%s, %s)',
      async (fallback, refreshResult, expected, action, reason) => {
        const refresh = async () => {
          if (refreshResult === 'fail') throw new Error('boom');
        };
        const router = new ModelRouter({
          catalogue: catalogue(),
          strategy: strategy('discovery', fallback, true),
          refresh,
        });
        const result = await router.route('phi3', [a]);
        expect(names(result)).toEqual(expected);
        expect(result.decision).toEqual({ strategy: 'discovery', action, reason });
      },
    );

    it('treats a refresh that outlives discovery_timeout as failed', async () => {
      const refresh = () => new Promise<void>(() => {});
      const router = new ModelRouter({
        catalogue: catalogue(),
        strategy: strategy('discovery', 'none', true),
        refresh,
      });
      const result = await router.route('phi3', [a]);
      expect(result.decision?.reason).toBe('discovery_failed_no_fallback');
    });

    it('routes to a model the refresh has just found', async () => {
      const cat = catalogue();
      const refresh = async () => cat.setModels(a, [m('phi3')]);
      const router = new ModelRouter({ catalogue: cat, strategy: strategy('discovery', 'none', true), refresh });
      const result = await router.route('phi3', [a]);
      expect(names(result)).toEqual(['a']);
      expect(result.decision).toEqual({ strategy: 'discovery', action: 'routed', reason: 'model_found' });
    });

    it('says no healthy endpoints when there are no candidates after the refresh', async () => {
      const router = new ModelRouter({
        catalogue: catalogue(),
        strategy: strategy('discovery', 'all', true),
        refresh: async () => {},
      });
      const result = await router.route('phi3', []);
      expect(result.decision?.reason).toBe('no_healthy_after_discovery');
    });
  });

  describe('aliases', () => {
    const aliases = { 'llama-8b': ['llama3:8b', 'meta-llama/Llama-3.1-8B-Instruct'], ghost: ['missing'] };

    it('resolves an alias to every endpoint of its targets and names the native model per endpoint', async () => {
      const router = new ModelRouter({ catalogue: catalogue(aliases), strategy: strategy('strict') });
      const result = await router.route('llama-8b', [a, b, c]);
      expect(names(result)).toEqual(['a', 'b', 'c']);
      expect(result.decision).toEqual({
        strategy: 'alias',
        action: 'routed',
        reason: 'alias "llama-8b" resolved to 3 endpoint(s)',
      });
      expect(result.nativeName?.(a)).toBe('llama3:8b');
      expect(result.nativeName?.(c)).toBe('meta-llama/Llama-3.1-8B-Instruct');
    });

    it('returns no native name when the endpoint already knows the requested name', async () => {
      const router = new ModelRouter({ catalogue: catalogue(), strategy: strategy('strict') });
      const result = await router.route('llama3:8b', [a]);
      expect(result.nativeName?.(a)).toBeUndefined();
    });

    it('routes an alias with no serving target through the strategy, unrewritten', async () => {
      const router = new ModelRouter({ catalogue: catalogue(aliases), strategy: strategy('optimistic', 'all') });
      const result = await router.route('ghost', [a]);
      expect(result.decision?.reason).toBe('model_not_found_fallback');
      expect(result.nativeName?.(a)).toBeUndefined();
    });
  });

  describe('capability routing', () => {
    it('narrows candidates to endpoints with a vision model', async () => {
      const router = new ModelRouter({ catalogue: catalogue(), strategy: strategy('optimistic', 'all') });
      const result = await router.route('unknown', [a, b], known(['vision']));
      expect(names(result)).toEqual(['a']);
    });

    it('keeps every candidate when no endpoint has the capability', async () => {
      const router = new ModelRouter({ catalogue: catalogue(), strategy: strategy('optimistic', 'all') });
      const result = await router.route('unknown', [a, b], known(['embeddings'], ['embeddings']));
      expect(names(result)).toEqual(['a', 'b']);
    });

    it('reads no body when no capability it could need splits the candidates', async () => {
      const router = new ModelRouter({ catalogue: catalogue(), strategy: strategy('optimistic', 'all') });
      const alone = known(['vision']);
      expect(names(await router.route('unknown', [b], alone))).toEqual(['b']);
      const allHaveIt = known(['vision']);
      expect(names(await router.route('unknown', [a], allHaveIt))).toEqual(['a']);
      const noneHaveIt = known(['vision']);
      expect(names(await router.route('unknown', [b, c], noneHaveIt))).toEqual(['b', 'c']);
      expect(alone.asked + allHaveIt.asked + noneHaveIt.asked).toBe(0);
      const split = known(['vision']);
      await router.route('unknown', [a, b], split);
      expect(split.asked).toBe(1);
    });

    it('narrows as reading the body first would, whatever the fleet and the needs', async () => {
      const all: ModelCapability[] = ['vision', 'tools', 'embeddings'];
      const fleet = [a, b, c, fakeEndpoint({ name: 'd' })];
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.subarray(all), { minLength: 4, maxLength: 4 }),
          fc.subarray(fleet, { minLength: 1 }),
          fc.subarray(all),
          async (held, candidates, needed) => {
            const cat = new ModelCatalogue({ enableUnifier: true, staleThresholdMs: 1000, cleanupIntervalMs: 0 });
            for (const [i, endpoint] of fleet.entries())
              cat.setModels(endpoint, [m(`m${i}`, { capabilities: held[i]! })]);
            // The reference: every need read up front, then the original's narrowing.
            let capable = [...candidates];
            let anySupport = false;
            for (const capability of needed) {
              const hosts = cat.endpointsWithCapability(capability);
              if (hosts.size > 0) anySupport = true;
              capable = capable.filter((endpoint) => hosts.has(endpoint.name));
            }
            const expected = anySupport && capable.length > 0 ? capable : candidates;
            const router = new ModelRouter({ catalogue: cat, strategy: strategy('optimistic', 'all') });
            expect(names(await router.route('unknown', candidates, known(needed, all)))).toEqual(
              names({ endpoints: expected }),
            );
          },
        ),
      );
    });
  });
});

describe('requiredCapabilities', () => {
  it.each([
    [{ messages: [{ role: 'user', content: 'hi' }] }, []],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, ['vision']],
    [{ messages: [], tools: [{ type: 'function' }] }, ['tools']],
    [{ input: 'embed me' }, ['embeddings']],
    [{ messages: [{ role: 'system', content: 'You write Code' }] }, ['code']],
    ['not json', []],
  ])('%j needs %j', (body, expected) => {
    expect(requiredCapabilities(body)).toEqual(expected);
  });
});

describe('requiredCapabilitiesOfBody', () => {
  const needs = (body: unknown, path = '/v1/embeddings') =>
    requiredCapabilitiesOfBody(RequestBody.of(Buffer.from(JSON.stringify(body))), path);

  it('needs nothing for a plain chat', () => {
    expect(needs({ model: 'm', messages: [{ role: 'user', content: 'describe an image_url' }] })).toEqual([]);
  });

  it('reads the same needs lazily, once, and could need embeddings only on an embeddings path', () => {
    const bytes = Buffer.from(JSON.stringify({ model: 'm', input: 'x', tools: [{ type: 'function' }] }));
    const onEmbeddings = new BodyCapabilityNeeds(RequestBody.of(bytes), '/v1/embeddings');
    expect(onEmbeddings.possible).toEqual(['vision', 'tools', 'embeddings']);
    expect(onEmbeddings.needed()).toEqual(['tools', 'embeddings']);
    expect(onEmbeddings.needed()).toBe(onEmbeddings.needed());
    const onChat = new BodyCapabilityNeeds(RequestBody.of(bytes), '/v1/chat/completions');
    expect(onChat.possible).toEqual(['vision', 'tools']);
    expect(onChat.needed()).toEqual(['tools']);
  });

  it('needs vision for OpenAI image parts and Ollama images', () => {
    const part = { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } };
    expect(needs({ messages: [{ role: 'user', content: [part] }] })).toEqual(['vision']);
    expect(needs({ messages: [{ role: 'user', content: 'hi', images: ['AA=='] }] })).toEqual(['vision']);
  });

  it('needs tools and embeddings from top-level fields only', () => {
    expect(needs({ tools: [{ type: 'function' }], messages: [] })).toEqual(['tools']);
    expect(needs({ tools: null, messages: [{ tools: 1 }] })).toEqual([]);
    expect(needs({ input: 'text' })).toEqual(['embeddings']);
    expect(needs({ input: 'text' }, '/api/embed')).toEqual(['embeddings']);
    expect(needs({ model: 'm', input: 'Write a haiku' }, '/v1/responses')).toEqual([]);
  });

  it('searches first for what every image marker holds, so the one search rules out no image', () => {
    for (const marker of IMAGE_MARKERS) expect(marker.includes(IMAGE_MARKER_CORE)).toBe(true);
    expect(needs({ messages: [{ role: 'user', content: [{ type: 'image', source: {} }] }] })).toEqual(['vision']);
  });

  it('rules out tool fields by their key prefixes, so the byte search skips none', () => {
    for (const key of ['tools', 'functions', 'tool_choice', 'function_call'])
      expect(needs({ model: 'm', [key]: 'auto' })).toEqual(['tools']);
    expect(needs({ model: 'm', messages: [{ role: 'user', content: 'which "tool" is best?' }] })).toEqual([]);
  });

  it('agrees with the parsed reading on vision, tools and embeddings', () => {
    const bodies = [
      { messages: [{ role: 'user', content: [{ type: 'image', source: {} }] }] },
      { function_call: 'auto', messages: [] },
      { input: ['a', 'b'] },
    ];
    for (const body of bodies) expect(needs(body)).toEqual(requiredCapabilities(body));
  });
});
