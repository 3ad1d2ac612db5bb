import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorResponse } from '../../core/error-body.js';
import { dialectForPath } from '../dialect.js';

/**
 * Answers `request` with `error` in the dialect its clients parse (the same choice the server's
 * error handler makes); returns the reply for fastify's hooks.
 */
export function replyWithError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const response = errorResponse(error, dialectForPath(request.url), String(request.id));
  return reply.code(response.status).headers(response.headers).send(response.body);
}
