import { performance } from 'node:perf_hooks';
import type { FallbackReason, TranslatorMode } from '../../adapter/translator/mode.js';
import type { ProxyResult } from '../../core/ports/proxy.js';
import type { Logger } from '../../logger/logger.js';

export interface TranslatedRequest {
  requestId: string;
  path: string;
  model: string;
  mode: TranslatorMode;
  fallbackReason: FallbackReason;
  streaming: boolean;
  startTime: number;
  /** The client key's name, when keys are on. */
  key: string | undefined;
}

/**
 * The one log line of a translator route's request (Anthropic Messages, Responses), in the same
 * shape on both; returns whether it succeeded, which the caller's stats record as well.
 */
export function logTranslatedRequest(logger: Logger, request: TranslatedRequest, result: ProxyResult): boolean {
  const success = !result.error && result.status < 400;
  logger.info(
    {
      request_id: request.requestId,
      path: request.path,
      model: request.model,
      translator_mode: request.mode,
      ...(request.fallbackReason ? { fallback_reason: request.fallbackReason } : {}),
      endpoint: result.endpoint?.name,
      status: result.status,
      streaming: request.streaming,
      duration_ms: Math.round((performance.now() - request.startTime) * 10) / 10,
      retries: result.retries,
      ...(request.key ? { key: request.key } : {}),
      ...(result.error ? { error: result.error.message } : {}),
    },
    success ? 'request completed' : 'request failed',
  );
  return success;
}
