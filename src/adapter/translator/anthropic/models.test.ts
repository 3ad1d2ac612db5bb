import { describe, expect, it } from 'vitest';
import { AnthropicModelListCache, anthropicModelList, rfc3339Seconds } from './models.js';

describe('anthropicModelList', () => {
  it('lists models in Anthropic shape with first and last ids', () => {
    expect(anthropicModelList(['llama3', 'qwen3'], '2025-01-02T03:04:05Z')).toEqual({
      data: [
        { type: 'model', id: 'llama3', display_name: 'llama3', created_at: '2025-01-02T03:04:05Z' },
        { type: 'model', id: 'qwen3', display_name: 'qwen3', created_at: '2025-01-02T03:04:05Z' },
      ],
      has_more: false,
      first_id: 'llama3',
      last_id: 'qwen3',
    });
  });

  it('uses null ids for an empty list', () => {
    expect(anthropicModelList([])).toMatchObject({ data: [], first_id: null, last_id: null });
  });

  it('stamps RFC 3339 to the second', () => {
    expect(rfc3339Seconds(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)))).toBe('2025-01-02T03:04:05Z');
  });
});

describe('AnthropicModelListCache', () => {
  it('reuses the encoded body until the ids change', () => {
    const cache = new AnthropicModelListCache('2025-01-01T00:00:00Z');
    const first = cache.body(['a', 'b']);
    expect(cache.body(['a', 'b'])).toBe(first);
    const second = cache.body(['a']);
    expect(second).not.toBe(first);
    expect(JSON.parse(second.toString()).data).toHaveLength(1);
    expect(JSON.parse(cache.body([]).toString()).first_id).toBeNull();
  });
});
