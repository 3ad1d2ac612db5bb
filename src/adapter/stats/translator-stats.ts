import type { FallbackReason, TranslatorMode } from '../translator/mode.js';
import { formatLatency, formatPercentage } from './format.js';

/**
 * Per-translator counters behind `GET /internal/stats/translators`: requests, passthrough versus
 * translation, why passthrough was not used, streaming or not, success, latency. Recording is a
 * handful of integer increments on a record created once per translator name.
 */

export interface TranslatorRequestEvent {
  translatorName: string;
  model: string;
  mode: TranslatorMode;
  fallbackReason: FallbackReason;
  success: boolean;
  streaming: boolean;
  latencyMs: number;
}

/** One translator's counters (the original's `TranslatorStats`, JSON names included). */
export interface TranslatorCounters {
  translator_name: string;
  total_requests: number;
  successful_requests: number;
  failed_requests: number;
  passthrough_requests: number;
  translation_requests: number;
  streaming_requests: number;
  non_streaming_requests: number;
  fallback_no_compatible_endpoints: number;
  fallback_translator_does_not_support_passthrough: number;
  fallback_cannot_passthrough: number;
  avg_latency_ms: number;
  total_latency_ms: number;
}

/** The counters as `/internal/stats/translators` lists them: rates and latency formatted. */
export interface TranslatorStatsEntry extends Omit<TranslatorCounters, 'avg_latency_ms' | 'total_latency_ms'> {
  success_rate: string;
  passthrough_rate: string;
  average_latency: string;
}

export interface TranslatorStatsSummary {
  overall_success_rate: string;
  overall_passthrough_rate: string;
  total_translators: number;
  active_translators: number;
  total_requests: number;
  total_passthrough: number;
  total_translations: number;
  total_streaming: number;
  total_non_streaming: number;
}

/** The body of `GET /internal/stats/translators`. */
export interface TranslatorStatsResponse {
  timestamp: string;
  translators: TranslatorStatsEntry[];
  summary: TranslatorStatsSummary;
}

function rate(part: number, total: number): number {
  return total > 0 ? (part / total) * 100 : 0;
}

class Counters {
  total = 0;
  successful = 0;
  failed = 0;
  passthrough = 0;
  translation = 0;
  streaming = 0;
  nonStreaming = 0;
  fallbackNoCompatibleEndpoints = 0;
  fallbackTranslatorDoesNotSupportPassthrough = 0;
  fallbackCannotPassthrough = 0;
  /** Whole milliseconds of successful requests only, as the original averages them. */
  totalLatencyMs = 0;
}

export class TranslatorStats {
  readonly #byName = new Map<string, Counters>();

  record(event: TranslatorRequestEvent): void {
    let c = this.#byName.get(event.translatorName);
    if (!c) {
      c = new Counters();
      this.#byName.set(event.translatorName, c);
    }
    c.total++;
    if (event.success) {
      c.successful++;
      c.totalLatencyMs += Math.max(0, Math.floor(event.latencyMs));
    } else {
      c.failed++;
    }
    if (event.mode === 'passthrough') c.passthrough++;
    else c.translation++;
    if (event.streaming) c.streaming++;
    else c.nonStreaming++;
    if (event.mode === 'translation') {
      switch (event.fallbackReason) {
        case 'no_compatible_endpoints':
          c.fallbackNoCompatibleEndpoints++;
          break;
        case 'translator_does_not_support_passthrough':
          c.fallbackTranslatorDoesNotSupportPassthrough++;
          break;
        case 'cannot_passthrough':
          c.fallbackCannotPassthrough++;
          break;
      }
    }
  }

  /** Raw counters per translator name. */
  snapshot(): Record<string, TranslatorCounters> {
    const out: Record<string, TranslatorCounters> = {};
    for (const [name, c] of this.#byName) {
      out[name] = {
        translator_name: name,
        total_requests: c.total,
        successful_requests: c.successful,
        failed_requests: c.failed,
        passthrough_requests: c.passthrough,
        translation_requests: c.translation,
        streaming_requests: c.streaming,
        non_streaming_requests: c.nonStreaming,
        fallback_no_compatible_endpoints: c.fallbackNoCompatibleEndpoints,
        fallback_translator_does_not_support_passthrough: c.fallbackTranslatorDoesNotSupportPassthrough,
        fallback_cannot_passthrough: c.fallbackCannotPassthrough,
        avg_latency_ms: c.successful > 0 ? Math.floor(c.totalLatencyMs / c.successful) : 0,
        total_latency_ms: c.totalLatencyMs,
      };
    }
    return out;
  }

  /** The `/internal/stats/translators` body: busiest translator first, then the summary. */
  toResponse(now: Date = new Date()): TranslatorStatsResponse {
    const all = Object.values(this.snapshot());
    const translators = all
      .map(
        (s): TranslatorStatsEntry => ({
          translator_name: s.translator_name,
          success_rate: formatPercentage(rate(s.successful_requests, s.total_requests)),
          passthrough_rate: formatPercentage(rate(s.passthrough_requests, s.total_requests)),
          average_latency: formatLatency(s.avg_latency_ms),
          total_requests: s.total_requests,
          successful_requests: s.successful_requests,
          failed_requests: s.failed_requests,
          passthrough_requests: s.passthrough_requests,
          translation_requests: s.translation_requests,
          streaming_requests: s.streaming_requests,
          non_streaming_requests: s.non_streaming_requests,
          fallback_no_compatible_endpoints: s.fallback_no_compatible_endpoints,
          fallback_translator_does_not_support_passthrough: s.fallback_translator_does_not_support_passthrough,
          fallback_cannot_passthrough: s.fallback_cannot_passthrough,
        }),
      )
      .sort((a, b) => b.total_requests - a.total_requests);

    let total = 0;
    let successful = 0;
    let passthrough = 0;
    let translations = 0;
    let streaming = 0;
    let nonStreaming = 0;
    let active = 0;
    for (const s of all) {
      total += s.total_requests;
      successful += s.successful_requests;
      passthrough += s.passthrough_requests;
      translations += s.translation_requests;
      streaming += s.streaming_requests;
      nonStreaming += s.non_streaming_requests;
      if (s.total_requests > 0) active++;
    }
    return {
      timestamp: now.toISOString(),
      translators,
      summary: {
        overall_success_rate: formatPercentage(rate(successful, total)),
        overall_passthrough_rate: formatPercentage(rate(passthrough, total)),
        total_translators: all.length,
        active_translators: active,
        total_requests: total,
        total_passthrough: passthrough,
        total_translations: translations,
        total_streaming: streaming,
        total_non_streaming: nonStreaming,
      },
    };
  }
}
