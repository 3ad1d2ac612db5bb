import type { IncomingMessage } from 'node:http';
import { BadRequestError } from '../../core/errors.js';

/**
 * Whether a request carries a body to read, judged as fastify judges it: never for GET, HEAD or
 * TRACE, otherwise when it is chunked or declares a length other than zero.
 */
export function hasRequestBody(req: IncomingMessage): boolean {
  const method = req.method;
  if (method === 'GET' || method === 'HEAD' || method === 'TRACE') return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Reads a request body whole into one buffer of its own (never a view over a socket's read
 * buffer, which would keep that alive for as long as the request lives). Rejects with
 * `tooLarge()` once more than `limit` bytes have arrived, without reading the rest, and with a
 * BadRequestError when the client goes away before the body ends.
 */
export function readRequestBody(req: IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        settle();
        reject(tooLarge());
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      settle();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      settle();
      reject(new BadRequestError(`the request body could not be read: ${err.message}`));
    };
    // A client that leaves mid-body may close without an error on some Node versions.
    const onClose = () => {
      if (!req.complete) onError(new Error('the client closed the connection before the body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
