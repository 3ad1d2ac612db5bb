import { request } from '../../http/undici.js';
import type { Endpoint } from '../../../core/domain/endpoint.js';

/** The original's cap on a model list body; a bigger answer is a misbehaving backend. */
export const MAX_MODEL_LIST_BYTES = 10 * 1024 * 1024;

const USER_AGENT = 'olla-Discovery/0.1';

/** Why one fetch of a model list failed; `retryable` separates flaky from wrong. */
export class ModelFetchError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ModelFetchError';
  }
}

/**
 * GETs an endpoint's model list with its configured headers and auth, and returns the parsed
 * JSON. Network errors and 5xx are retryable; 4xx, oversized bodies and non-JSON are not.
 */
export function fetchModelList(endpoint: Endpoint, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
  return fetchEndpointJson(endpoint, endpoint.modelUrl, timeoutMs, signal);
}

/** GETs any JSON document of an endpoint (a model list, Ollama's `/api/ps`) as above. */
export async function fetchEndpointJson(
  endpoint: Endpoint,
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<unknown> {
  const headers: Record<string, string> = { ...endpoint.headers, accept: 'application/json', 'user-agent': USER_AGENT };
  if (endpoint.authHeader) headers[endpoint.authHeader.name] = endpoint.authHeader.value;
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      method: 'GET',
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ModelFetchError(`request failed: ${(err as Error).message}`, true);
  }
  const { statusCode, body } = response;
  if (statusCode < 200 || statusCode >= 300) {
    await body.dump().catch(() => {});
    throw new ModelFetchError(`HTTP ${statusCode}`, statusCode >= 500);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > MAX_MODEL_LIST_BYTES) {
        body.destroy();
        throw new ModelFetchError(`model list larger than ${MAX_MODEL_LIST_BYTES} bytes`, false);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof ModelFetchError) throw err;
    throw new ModelFetchError(`reading the response failed: ${(err as Error).message}`, true);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ModelFetchError('response is not JSON', false);
  }
}
