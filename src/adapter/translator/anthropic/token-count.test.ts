import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../core/errors.js';
import { countTokens, estimateInputTokens } from './token-count.js';

describe('estimateInputTokens', () => {
  it('divides the prompt bytes by four', () => {
    expect(estimateInputTokens({ messages: [{ role: 'user', content: 'x'.repeat(40) }] })).toBe(10);
  });

  it('is at least one', () => {
    expect(estimateInputTokens({ messages: [{ role: 'user', content: 'hi' }] })).toBe(1);
    expect(estimateInputTokens({})).toBe(1);
  });

  it('counts system text, tool use, tool results and tool definitions, but not images', () => {
    const request = {
      system: [{ type: 'text', text: 'a'.repeat(8) }],
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'abcd', input: { k: 'v' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'b'.repeat(8) }] },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'c'.repeat(400) } },
          ],
        },
      ],
      tools: [{ name: 'abcd', description: 'efgh', input_schema: { type: 'object' } }],
    };
    // 8 system + (4 + '{"k":"v"}'.length 9) + 8 result + (4 + 4 + '{"type":"object"}'.length 17) = 54 → 13
    expect(estimateInputTokens(request)).toBe(13);
  });

  it('counts thinking, text documents and search results, but not PDF data', () => {
    const request = {
      messages: [
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'a'.repeat(8), signature: '' }] },
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'b'.repeat(8) } },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'c'.repeat(8) }] } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'd'.repeat(400) } },
            { type: 'search_result', source: 'u', title: 't', content: [{ type: 'text', text: 'e'.repeat(8) }] },
          ],
        },
      ],
    };
    expect(estimateInputTokens(request)).toBe(8);
  });

  it('counts UTF-8 bytes, as the original does', () => {
    expect(estimateInputTokens({ messages: [{ role: 'user', content: 'é'.repeat(4) }] })).toBe(2);
  });
});

describe('countTokens', () => {
  it('answers with input_tokens only', () => {
    expect(countTokens(Buffer.from('{"model":"m","messages":[{"role":"user","content":"Hello world!"}]}'))).toEqual({
      input_tokens: 3,
    });
  });

  it('does not insist on a complete Messages request', () => {
    expect(countTokens('{"messages":[]}')).toEqual({ input_tokens: 1 });
  });

  it('refuses a body that is not a JSON object', () => {
    expect(() => countTokens('nope')).toThrow(BadRequestError);
    expect(() => countTokens('[]')).toThrow(BadRequestError);
  });
});

describe('countTokens for what Claude Code counts', () => {
  it('answers for empty tools and placeholder messages, without asking for max_tokens', () => {
    expect(countTokens('{"model":"m","messages":[{"role":"user","content":"foo"}],"tools":[]}')).toEqual({
      input_tokens: 1,
    });
    expect(countTokens('{"model":"m","messages":[]}')).toEqual({ input_tokens: 1 });
    const system = countTokens(
      JSON.stringify({ model: 'm', messages: [{ role: 'system', content: 'x'.repeat(400) }] }),
    );
    expect(system.input_tokens).toBe(100);
  });
});
