import type { FastifyError, FastifyInstance } from 'fastify';
import { messageTooLargeError } from '../../adapter/translator/anthropic/translator.js';

/**
 * Makes an encapsulated route scope hand its handlers the raw body bytes, refused past
 * `maxBodySize` with a 413 naming that limit rather than the server-wide one.
 */
export function useRawBodies(scoped: FastifyInstance, maxBodySize: number): void {
  scoped.removeAllContentTypeParsers();
  scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodySize }, (_req, payload, done) =>
    done(null, payload),
  );
  scoped.setErrorHandler((error: FastifyError) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw messageTooLargeError(maxBodySize);
    throw error;
  });
}
