import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorDialect, errorResponse } from '../../core/error-body.js';

/**
 * The error dialect a route's clients parse. Anthropic routes answer as Anthropic; OpenAI-shaped
 * routes (a `/v1/` segment under `/olla/`) as OpenAI, so the OpenAI SDKs surface the message and
 * honour Retry-After; everything else, native Ollama/LM Studio routes included, in Olla's own
 * `{"error": "..."}`, which is also the shape Ollama clients read.
 */
export function dialectFor(path: string): ErrorDialect {
  if (!path.startsWith('/olla/')) return 'olla';
  if (path.startsWith('/olla/anthropic/')) return 'anthropic';
  return path.includes('/v1/') ? 'openai' : 'olla';
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** Answers `request` with `error` in its route's dialect; returns the reply for fastify's hooks. */
export function replyWithError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const response = errorResponse(error, dialectFor(pathOf(request.url)), String(request.id));
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/**
 * The route pattern a request matched (`/olla/proxy/*`, `/internal/status`), or undefined when
 * none did. Access decisions key on this rather than the raw URL, which a client could
 * percent-encode past a prefix check while the router still decodes it to the guarded route.
 */
export function routeOf(request: FastifyRequest): string | undefined {
  return request.routeOptions.url;
}
