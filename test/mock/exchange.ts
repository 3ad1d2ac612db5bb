/**
 * One request and its response: the parsed request, and every way the mock can answer it (whole
 * JSON, a paced stream of frames, a huge body, garbage), each honouring the die-mid-stream fault.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as anthropic from './dialects/anthropic.js';
import * as ollama from './dialects/ollama.js';
import * as openai from './dialects/openai.js';
import { JSON_CONTENT_TYPE, SSE_CONTENT_TYPE, type StreamFrame } from './framing.js';
import type { StreamRegistry, StreamTicket } from './streams.js';

/** The error-body family of a route. */
export type Dialect = 'openai' | 'ollama' | 'anthropic';

const UNPARSED = Symbol('unparsed');
const INVALID = Symbol('invalid');

/** Bytes that no JSON, SSE or NDJSON parser accepts. */
const GARBAGE = Buffer.from([0x3c, 0x21, 0x2d, 0x2d, 0x00, 0xff, 0xfe, 0x7b, 0x7b, 0x20, 0x6e, 0x6f, 0x74, 0x0a]);

const HUGE_CHUNK_BYTES = 16 * 1024;
/** A full SSE comment frame, so a huge stream stays parseable frame by frame. */
const HUGE_CHUNK = Buffer.from(`:${'x'.repeat(HUGE_CHUNK_BYTES - 3)}\n\n`);

export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  readonly query: string;
  readonly body: Buffer;
  /** 0-based position of this request among all the backend has received. */
  readonly index: number;
  dialect: Dialect = 'openai';
  /** Set by the die-mid-stream fault: the answer is cut halfway and the socket destroyed. */
  dieMidStream = false;
  readonly #streams: StreamRegistry;
  #json: unknown = UNPARSED;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: string,
    body: Buffer,
    index: number,
    streams: StreamRegistry,
  ) {
    this.req = req;
    this.res = res;
    this.path = path;
    this.query = query;
    this.body = body;
    this.index = index;
    this.#streams = streams;
  }

  /** The JSON body, or undefined when there is none or it does not parse (see `bodyIsInvalidJson`). */
  get json(): unknown {
    const parsed = this.#parse();
    return parsed === INVALID ? undefined : parsed;
  }

  get bodyIsInvalidJson(): boolean {
    return this.#parse() === INVALID;
  }

  /** The client (or a stop) has already torn the connection down: nothing more can be written. */
  get gone(): boolean {
    return this.res.destroyed;
  }

  sendJson(status: number, body: unknown, headers?: Record<string, string>): void {
    this.sendBytes(status, JSON_CONTENT_TYPE, Buffer.from(JSON.stringify(body)), headers);
  }

  sendBytes(status: number, contentType: string, bytes: Buffer, headers?: Record<string, string>): void {
    if (this.gone) return;
    this.res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': bytes.length });
    if (!this.dieMidStream) {
      this.res.end(bytes);
      return;
    }
    // Promise the whole body, deliver half: the client sees a truncated response, not a short one.
    this.res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    this.#hangUp();
  }

  sendError(status: number, message: string): void {
    this.sendJson(status, errorBody(this.dialect, status, message));
  }

  /** A 200 whose body is not what its content type promises. */
  sendGarbage(): void {
    if (this.gone) return;
    this.res.writeHead(200, { 'content-type': JSON_CONTENT_TYPE });
    this.res.end(GARBAGE);
  }

  /**
   * Write each frame as its own chunk after its delay, waiting for the socket to drain when it pushes
   * back, and stopping as soon as the client goes away. `ending: 'close'` destroys the socket instead
   * of ending the response.
   */
  async stream(
    contentType: string,
    frames: readonly StreamFrame[],
    model: string,
    options: { ending?: 'end' | 'close'; status?: number; headers?: Record<string, string> } = {},
  ): Promise<void> {
    const ticket = this.#openStream(contentType, model, options.status ?? 200, options.headers);
    if (!ticket) return;
    const { res } = this;
    const cutAt = this.dieMidStream ? Math.max(1, Math.floor(frames.length / 2)) : -1;
    for (let i = 0; i < frames.length; i++) {
      if (i === cutAt) return this.#cut(ticket);
      const frame = frames[i]!;
      if (frame.delayMs > 0) await this.pause(frame.delayMs);
      if (res.destroyed) return;
      const flowing = res.write(frame.text);
      this.#streams.wrote(ticket, Buffer.byteLength(frame.text));
      if (!flowing) await drained(res);
    }
    // A stream too short to cut in the middle still loses its proper ending.
    if (options.ending === 'close' || this.dieMidStream) return this.#cut(ticket);
    res.end();
  }

  /** `bytes` of SSE comment frames in 16 KB chunks, as fast as the client reads them and no faster. */
  async streamHuge(bytes: number): Promise<void> {
    const ticket = this.#openStream(SSE_CONTENT_TYPE, '', 200, undefined);
    if (!ticket) return;
    const { res } = this;
    for (let remaining = bytes; remaining > 0; remaining -= HUGE_CHUNK_BYTES) {
      if (res.destroyed) return;
      const chunk = remaining >= HUGE_CHUNK_BYTES ? HUGE_CHUNK : HUGE_CHUNK.subarray(0, remaining);
      const flowing = res.write(chunk);
      this.#streams.wrote(ticket, chunk.length);
      if (!flowing) await drained(res);
    }
    res.end();
  }

  /** Wait `ms`, or less if the connection closes first (so a stopped mock leaves no timers behind). */
  pause(ms: number): Promise<void> {
    const { res } = this;
    if (res.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        res.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      res.on('close', done);
    });
  }

  #openStream(
    contentType: string,
    model: string,
    status: number,
    headers: Record<string, string> | undefined,
  ): StreamTicket | undefined {
    if (this.gone) return undefined;
    this.res.writeHead(status, { ...headers, 'content-type': contentType, 'cache-control': 'no-cache' });
    // Headers go out now, before the first token, as a real server's do.
    this.res.flushHeaders();
    return this.#streams.open(this.res, this.path, model);
  }

  #cut(ticket: StreamTicket): void {
    ticket.cut = true;
    this.#hangUp();
  }

  /**
   * Close the connection once what was written has left (a plain destroy would throw it away).
   * Node 24 corks a response's writes until the next tick, so the socket is ended after that.
   */
  #hangUp(): void {
    const { socket } = this.res;
    if (!socket) {
      this.res.destroy();
      return;
    }
    setImmediate(() => socket.destroySoon());
  }

  #parse(): unknown {
    if (this.#json !== UNPARSED) return this.#json;
    if (this.body.length === 0) {
      this.#json = undefined;
      return undefined;
    }
    try {
      this.#json = JSON.parse(this.body.toString('utf8'));
    } catch {
      this.#json = INVALID;
    }
    return this.#json;
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function errorBody(dialect: Dialect, status: number, message: string): unknown {
  switch (dialect) {
    case 'ollama':
      return ollama.errorBody(message);
    case 'anthropic':
      return anthropic.errorBody(status, message);
    default:
      return openai.errorBody(status, message);
  }
}
