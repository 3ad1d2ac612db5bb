import { describe, expect, it } from 'vitest';
import { formatLatency, formatPercentage } from './format.js';
import { type TranslatorRequestEvent, TranslatorStats } from './translator-stats.js';

const event = (over: Partial<TranslatorRequestEvent> = {}): TranslatorRequestEvent => ({
  translatorName: 'anthropic',
  model: 'llama3',
  mode: 'translation',
  fallbackReason: 'cannot_passthrough',
  success: true,
  streaming: false,
  latencyMs: 100,
  ...over,
});

describe('TranslatorStats', () => {
  it('counts modes, fallback reasons, streaming and outcomes', () => {
    const stats = new TranslatorStats();
    stats.record(event());
    stats.record(event({ mode: 'passthrough', fallbackReason: '', streaming: true, latencyMs: 300 }));
    stats.record(event({ fallbackReason: 'no_compatible_endpoints', success: false, latencyMs: 5000 }));
    stats.record(event({ fallbackReason: 'translator_does_not_support_passthrough' }));
    expect(stats.snapshot()).toEqual({
      anthropic: {
        translator_name: 'anthropic',
        total_requests: 4,
        successful_requests: 3,
        failed_requests: 1,
        passthrough_requests: 1,
        translation_requests: 3,
        streaming_requests: 1,
        non_streaming_requests: 3,
        fallback_no_compatible_endpoints: 1,
        fallback_translator_does_not_support_passthrough: 1,
        fallback_cannot_passthrough: 1,
        // Only successful requests count towards latency, as in the original.
        avg_latency_ms: 166,
        total_latency_ms: 500,
      },
    });
  });

  it('does not count a fallback reason on a passthrough request', () => {
    const stats = new TranslatorStats();
    stats.record(event({ mode: 'passthrough', fallbackReason: 'cannot_passthrough' }));
    expect(stats.snapshot().anthropic!.fallback_cannot_passthrough).toBe(0);
  });

  it('shapes the /internal/stats/translators body, busiest first, with a summary', () => {
    const stats = new TranslatorStats();
    stats.record(event({ translatorName: 'quiet' }));
    stats.record(event());
    stats.record(event({ mode: 'passthrough', fallbackReason: '' }));
    stats.record(event({ success: false }));
    const body = stats.toResponse(new Date('2025-01-01T00:00:00Z'));
    expect(body.timestamp).toBe('2025-01-01T00:00:00.000Z');
    expect(body.translators.map((t) => t.translator_name)).toEqual(['anthropic', 'quiet']);
    expect(body.translators[0]).toMatchObject({
      success_rate: '66.7%',
      passthrough_rate: '33.3%',
      average_latency: '100ms',
      total_requests: 3,
    });
    expect(body.summary).toEqual({
      overall_success_rate: '75.0%',
      overall_passthrough_rate: '25.0%',
      total_translators: 2,
      active_translators: 2,
      total_requests: 4,
      total_passthrough: 1,
      total_translations: 3,
      total_streaming: 0,
      total_non_streaming: 4,
    });
  });

  it('answers an empty summary before any request', () => {
    expect(new TranslatorStats().toResponse().summary).toMatchObject({
      overall_success_rate: '0%',
      total_translators: 0,
    });
  });
});

describe('formatting as the original does', () => {
  it.each([
    [0, '0%'],
    [100, '100%'],
    [50, '50.0%'],
    [33.333, '33.3%'],
  ])('percentage %d → %s', (value, expected) => {
    expect(formatPercentage(value)).toBe(expected);
  });

  it.each([
    [0, '0ms'],
    [7, '7ms'],
    [250, '250ms'],
    [1500, '1.5s'],
  ])('latency %d → %s', (ms, expected) => {
    expect(formatLatency(ms)).toBe(expected);
  });
});
