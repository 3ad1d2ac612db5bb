import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { messageTooLargeError } from '../../adapter/translator/anthropic/translator.js';

/**
 * Makes an encapsulated route scope hand its handlers the raw body bytes, refused past
 * `maxBodySize` with a 413 naming that limit rather than the server-wide one.
 */
export function useRawBodies(
  scoped: FastifyInstance,
  maxBodySize: number,
  /** Told of each body refused as too large, before the 413 goes out (translator stats count it). */
  onTooLarge?: (request: FastifyRequest) => void,
): void {
  scoped.removeAllContentTypeParsers();
  scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodySize }, (_req, payload, done) =>
    done(null, payload),
  );
  scoped.setErrorHandler((error: FastifyError, request) => {
    if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error;
    onTooLarge?.(request);
    throw messageTooLargeError(maxBodySize);
  });
}
