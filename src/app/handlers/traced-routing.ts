import { OllaError } from '../../core/errors.js';
import type { RequestSpan } from '../../core/ports/tracer.js';

/**
 * Runs a request's routing and proxying under its trace span. A request refused before any
 * upstream attempt (no model, no healthy node, a full queue) still ends its span, with the status
 * the client is answered with, so traces show refusals too. Without a trace, `running` itself.
 */
export function underTrace<T extends { status: number; retries: number; error?: Error }>(
  trace: RequestSpan | undefined,
  running: Promise<T>,
): Promise<T> {
  return trace === undefined ? running : endingSpan(trace, running);
}

async function endingSpan<T extends { status: number; retries: number; error?: Error }>(
  trace: RequestSpan,
  running: Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await running;
  } catch (err) {
    trace.end({ status: err instanceof OllaError ? err.status : 500, retries: 0, error: err as Error });
    throw err;
  }
  trace.end(result);
  return result;
}
