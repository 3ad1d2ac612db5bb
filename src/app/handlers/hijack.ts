import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { presetHeaders } from '../../adapter/proxy/core/response-headers.js';

/**
 * Hands the raw response over to a proxy engine. Fastify forgets the headers hooks already set on
 * the reply (CORS, X-RateLimit-*, X-Olla-Request-ID) once it is hijacked, so they go to the engine
 * with the raw response, which writes them with its own head; the engine's own headers still win
 * on a clash, except `Vary`, which the engine merges with the one set here.
 */
export function hijackKeepingHeaders(reply: FastifyReply): ServerResponse {
  const raw = reply.raw;
  // A copy, lower-cased by fastify as each was set.
  presetHeaders(raw, reply.getHeaders());
  reply.hijack();
  return raw;
}
