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

/** Told how reading a request body ended; exactly one of these is called. */
export interface BodyReceiver {
  bodyRead(body: Buffer): void;
  /** More than the limit arrived; the rest is not read. */
  bodyTooLarge(limit: number): void;
  /** The client went away (or the stream failed) before the body ended. */
  bodyFailed(error: BadRequestError): void;
}

const kBody = Symbol('olla.requestBody');
type Collecting = IncomingMessage & { [kBody]?: BodyCollector };

class BodyCollector {
  readonly receiver: BodyReceiver;
  readonly limit: number;
  size = 0;
  // Most bodies arrive in one chunk; the list is made only for a second.
  first: Buffer | undefined = undefined;
  rest: Buffer[] | undefined = undefined;

  constructor(receiver: BodyReceiver, limit: number) {
    this.receiver = receiver;
    this.limit = limit;
  }

  whole(): Buffer {
    if (this.first === undefined) return Buffer.alloc(0);
    // Always a copy of its own, never a view over the socket's read buffer, which would keep
    // that alive for as long as the request lives.
    return Buffer.concat(this.rest === undefined ? [this.first] : [this.first, ...this.rest], this.size);
  }
}

/**
 * Reads a request body whole into one buffer and tells `receiver`. The listeners are shared
 * functions that find their collector through a symbol on the request, so a request allocates
 * no closures for them; once an outcome is told they are removed.
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
  } else if (collector.first === undefined) collector.first = chunk;
  else if (collector.rest === undefined) collector.rest = [chunk];
  else collector.rest.push(chunk);
}

function onBodyEnd(this: Collecting): void {
  const collector = detach(this);
  collector?.receiver.bodyRead(collector.whole());
}

function onBodyError(this: Collecting, err: Error): void {
  detach(this)?.receiver.bodyFailed(new BadRequestError(`the request body could not be read: ${err.message}`));
}
