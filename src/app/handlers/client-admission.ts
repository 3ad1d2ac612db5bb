import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Admission, ClientKeyGate } from '../../adapter/client-keys/gate.js';
import { KeyLimitError } from '../../core/errors.js';

/**
 * Admits a request under its client key once the handler knows the model, or throws the 403 or
 * 429 the gate decided; a 429 carries `X-RateLimit-*` for the limit that bit. Undefined for a
 * route the key hook does not guard.
 */
export async function admitClient(
  gate: ClientKeyGate,
  request: FastifyRequest,
  reply: FastifyReply,
  model: string | undefined,
): Promise<Admission | undefined> {
  const key = request.clientKey;
  if (key === null) return undefined;
  try {
    return await gate.admit(key, model, request.method);
  } catch (err) {
    if (err instanceof KeyLimitError) {
      reply.header('x-ratelimit-limit', err.window.limit);
      reply.header('x-ratelimit-remaining', err.window.remaining);
      reply.header('x-ratelimit-reset', err.window.reset);
    }
    throw err;
  }
}
