import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * Hands the raw response over to a proxy engine. Fastify forgets the headers hooks already set on
 * the reply (CORS, X-RateLimit-*, X-Olla-Request-ID) once it is hijacked, so they are moved onto
 * the raw response first; the engine's own `writeHead` headers still win on a clash, except `Vary`,
 * which the engine merges with the one set here.
 */
export function hijackKeepingHeaders(reply: FastifyReply): ServerResponse {
  const raw = reply.raw;
  const headers = reply.getHeaders();
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) raw.setHeader(name, value);
  }
  reply.hijack();
  return raw;
}
