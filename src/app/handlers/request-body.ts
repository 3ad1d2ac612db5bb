import type { IncomingMessage } from 'node:http';
import { RequestBody } from '../../core/domain/request-body.js';
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

/** Told how reading a request body ended; exactly one of these is called. */
export interface BodyReceiver {
  bodyRead(body: RequestBody): void;
  /** More than the limit arrived; the rest is not read. */
  bodyTooLarge(limit: number): void;
  /** The client went away (or the stream failed) before the body ended. */
  bodyFailed(error: BadRequestError): void;
}

const kBody = Symbol('olla.requestBody');
type Collecting = IncomingMessage & { [kBody]?: BodyCollector };

/** Chunks smaller than this are gathered, and joined once they reach GATHERED_CHUNK_BYTES. */
export const SMALL_CHUNK_BYTES = 16 * 1024;
const GATHERED_CHUNK_BYTES = 64 * 1024;

class BodyCollector {
  readonly receiver: BodyReceiver;
  readonly limit: number;
  size = 0;
  // Each chunk is a buffer of its own (node:http copies it out of the socket's read buffer), so
  // keeping them holds nothing but the body itself.
  readonly chunks: Buffer[] = [];
  // A slow or trickling client delivers many small chunks, each of which would be an object
  // held and a write upstream: they are gathered and joined, which copies only small ones.
  readonly #small: Buffer[] = [];
  #smallBytes = 0;

  constructor(receiver: BodyReceiver, limit: number) {
    this.receiver = receiver;
    this.limit = limit;
  }

  add(chunk: Buffer): void {
    if (chunk.length >= SMALL_CHUNK_BYTES) {
      this.#join();
      this.chunks.push(chunk);
      return;
    }
    this.#small.push(chunk);
    this.#smallBytes += chunk.length;
    if (this.#smallBytes >= GATHERED_CHUNK_BYTES) this.#join();
  }

  body(): RequestBody {
    this.#join();
    return RequestBody.ofChunks(this.chunks, this.size);
  }

  #join(): void {
    const small = this.#small;
    if (small.length === 0) return;
    this.chunks.push(small.length === 1 ? small[0]! : Buffer.concat(small, this.#smallBytes));
    small.length = 0;
    this.#smallBytes = 0;
  }
}

/**
 * Reads a request body to its end, keeping its chunks (small ones joined), and tells `receiver`. The
 * listeners are shared functions that find their collector through a symbol on the request, so a
 * request allocates no closures for them; once an outcome is told they are removed.
 */
export function collectRequestBody(req: IncomingMessage, limit: number, receiver: BodyReceiver): void {
  (req as Collecting)[kBody] = new BodyCollector(receiver, limit);
  req.on('data', onBodyData);
  req.on('end', onBodyEnd);
  // With an 'error' listener, Node reports a client that leaves mid-body as an error ('aborted').
  req.on('error', onBodyError);
}

function detach(req: Collecting): BodyCollector | undefined {
  const collector = req[kBody];
  req[kBody] = undefined;
  req.off('data', onBodyData);
  req.off('end', onBodyEnd);
  req.off('error', onBodyError);
  return collector;
}

function onBodyData(this: Collecting, chunk: Buffer): void {
  const collector = this[kBody];
  if (collector === undefined) return;
  collector.size += chunk.length;
  if (collector.size > collector.limit) {
    detach(this);
    collector.receiver.bodyTooLarge(collector.limit);
  } else collector.add(chunk);
}

function onBodyEnd(this: Collecting): void {
  const collector = detach(this);
  if (collector !== undefined) collector.receiver.bodyRead(collector.body());
}

function onBodyError(this: Collecting, err: Error): void {
  detach(this)?.receiver.bodyFailed(new BadRequestError(`the request body could not be read: ${err.message}`));
}
