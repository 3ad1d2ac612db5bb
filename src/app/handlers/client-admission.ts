import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Admission, type ClientKeyGate, MeteringTap } from '../../adapter/client-keys/gate.js';
import type { ClientKey } from '../../core/domain/client-key.js';
import { KeyLimitError } from '../../core/errors.js';
import { type HeaderSink, setRateLimitHeaders } from './route-request.js';

/**
 * Admits a request under its client key once the handler knows the model, or throws the 403 or
 * 429 the gate decided; a 429 carries `X-RateLimit-*` for the limit that bit. Undefined for a
 * route the key hook does not guard. A promise only when the gate's store answers asynchronously,
 * so with the in-memory store the request path waits on nothing.
 */
export function admitClient(
  gate: ClientKeyGate,
  key: ClientKey | null,
  method: string,
  sink: HeaderSink,
  model: string | undefined,
): Admission | undefined | Promise<Admission> {
  if (key === null) return undefined;
  try {
    const admitted = gate.admit(key, model, method);
    return admitted instanceof Promise
      ? admitted.catch((err) => Promise.reject(withLimitHeaders(sink, err)))
      : admitted;
  } catch (err) {
    throw withLimitHeaders(sink, err);
  }
}

function withLimitHeaders(sink: HeaderSink, err: unknown): unknown {
  if (err instanceof KeyLimitError) setRateLimitHeaders(sink, err.window);
  return err;
}

/**
 * Runs a translator route's exchange under the request's client key: admitted first (403/429 as
 * the gate decides), metered on the backend's bytes whichever path the request takes (native
 * usage when passed through, the usage chunk translation asks for otherwise), and finished with
 * the status `run` resolves to. Keys off: `run` gets no tap and nothing else happens.
 */
export async function underClientKey(
  gate: ClientKeyGate | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
  model: string,
  bodyLength: number,
  run: (tap: MeteringTap | undefined) => Promise<number>,
): Promise<void> {
  const admission =
    gate === undefined ? undefined : await admitClient(gate, request.clientKey, request.method, reply, model);
  if (admission === undefined) {
    await run(undefined);
    return;
  }
  const tap = new MeteringTap(bodyLength, false);
  let status = 500;
  try {
    status = await run(tap);
  } finally {
    admission.finish(status, tap);
  }
}
