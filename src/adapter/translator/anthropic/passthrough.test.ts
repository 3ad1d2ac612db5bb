import { describe, expect, it } from 'vitest';
import { fakeEndpoint } from '../../../core/domain/endpoint.fixture.js';
import type { Endpoint } from '../../../core/domain/endpoint.js';
import type { AnthropicSupport } from '../../../core/domain/profile.js';
import { decidePassthrough, detectRequestFeatures, type RequestFeatures } from './passthrough.js';
import { validateAnthropicRequest } from './validate.js';

const endpoint = (name: string, type: string): Endpoint => fakeEndpoint({ name, type });

const support = (messagesPath: string, limitations: string[] = []): AnthropicSupport => ({
  enabled: true,
  messagesPath,
  tokenCount: false,
  limitations,
});

const profiles: Record<string, AnthropicSupport> = {
  vllm: support('/v1/messages', ['no_extended_thinking']),
  llamacpp: support('/v1/messages'),
  dmr: support('/anthropic/v1/messages'),
  lmstudio: { ...support('/v1/messages'), enabled: false },
};
const supportFor = (type: string) => profiles[type];
const none: RequestFeatures = { toolUse: false, extendedThinking: false, vision: false };
const on = { passthroughEnabled: true };

describe('decidePassthrough', () => {
  it('passes through to the capable subset of a mixed fleet', () => {
    const decision = decidePassthrough(on, [endpoint('o', 'ollama-old'), endpoint('v', 'vllm')], supportFor, none);
    expect(decision).toMatchObject({ mode: 'passthrough', targetPath: '/v1/messages' });
    expect(decision.mode === 'passthrough' && decision.endpoints.map((e) => e.name)).toEqual(['v']);
  });

  it('translates when passthrough is switched off', () => {
    expect(decidePassthrough({ passthroughEnabled: false }, [endpoint('v', 'vllm')], supportFor, none)).toEqual({
      mode: 'translation',
      fallbackReason: 'cannot_passthrough',
    });
  });

  it('translates when no candidate speaks Anthropic natively', () => {
    const candidates = [endpoint('a', 'openai'), endpoint('l', 'lmstudio')];
    expect(decidePassthrough(on, candidates, supportFor, none)).toEqual({
      mode: 'translation',
      fallbackReason: 'cannot_passthrough',
    });
  });

  it('reports no compatible endpoints when there are no candidates at all', () => {
    expect(decidePassthrough(on, [], supportFor, none)).toEqual({
      mode: 'translation',
      fallbackReason: 'no_compatible_endpoints',
    });
  });

  it('leaves out backends whose limitations the request hits', () => {
    const candidates = [endpoint('v', 'vllm'), endpoint('l', 'llamacpp')];
    const decision = decidePassthrough(on, candidates, supportFor, { ...none, extendedThinking: true });
    expect(decision.mode === 'passthrough' && decision.endpoints.map((e) => e.name)).toEqual(['l']);
    expect(decidePassthrough(on, [endpoint('v', 'vllm')], supportFor, { ...none, extendedThinking: true })).toEqual({
      mode: 'translation',
      fallbackReason: 'cannot_passthrough',
    });
  });

  it('keeps to the largest group when capable backends disagree on the path', () => {
    const candidates = [endpoint('d1', 'dmr'), endpoint('d2', 'dmr'), endpoint('v', 'vllm')];
    const decision = decidePassthrough(on, candidates, supportFor, none);
    expect(decision).toMatchObject({ mode: 'passthrough', targetPath: '/anthropic/v1/messages' });
    expect(decision.mode === 'passthrough' && decision.endpoints.map((e) => e.name)).toEqual(['d1', 'd2']);
  });

  it('breaks a tie in favour of the default path, whatever the order', () => {
    const decision = decidePassthrough(on, [endpoint('d', 'dmr'), endpoint('l', 'llamacpp')], supportFor, none);
    expect(decision).toMatchObject({ mode: 'passthrough', targetPath: '/v1/messages' });
  });

  it('otherwise breaks a tie by the first endpoint in candidate order', () => {
    const local = { a: support('/a/messages'), b: support('/b/messages') } as Record<string, AnthropicSupport>;
    const decision = decidePassthrough(on, [endpoint('b1', 'b'), endpoint('a1', 'a')], (t) => local[t], none);
    expect(decision).toMatchObject({ mode: 'passthrough', targetPath: '/b/messages' });
  });
});

describe('detectRequestFeatures', () => {
  it('notices tools, a thinking setting and image blocks', () => {
    const plain = validateAnthropicRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] });
    expect(detectRequestFeatures(plain)).toEqual(none);
    const rich = validateAnthropicRequest({
      model: 'm',
      max_tokens: 1,
      thinking: { type: 'enabled', budget_tokens: 1000 },
      tools: [{ name: 'f' }],
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'http://x/y.png' } }] }],
    });
    expect(detectRequestFeatures(rich)).toEqual({ toolUse: true, extendedThinking: true, vision: true });
  });
});
