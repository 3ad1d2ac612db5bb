import { OllaError } from '../../core/errors.js';
import type { RequestSpan } from '../../core/ports/tracer.js';

/**
 * Runs a request's routing and proxying under its trace span. A request refused before any
 * upstream attempt (no model, no healthy node, a full queue) still ends its span, with the status
 * the client is answered with, so traces show refusals too.
 */
export async function underTrace<T extends { status: number; retries: number; error?: Error }>(
  trace: RequestSpan | undefined,
  run: () => Promise<T>,
): Promise<T> {
  if (trace === undefined) return run();
  let result: T;
  try {
    result = await run();
  } catch (err) {
    trace.end({ status: err instanceof OllaError ? err.status : 500, retries: 0, error: err as Error });
    throw err;
  }
  trace.end(result);
  return result;
}
