/**
 * A bare HTTP/1.1 client on a TCP socket, for end-to-end tests that must send what fetch refuses
 * to: a Content-Length it never honours, broken framing, control characters in a path, invalid
 * header bytes. It reports exactly what came back and whether Olla closed the connection.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawExchange {
  /** Undefined when the socket closed before a complete response head arrived. */
  response: RawResponse | undefined;
  /** Olla closed (or reset) the connection by the time the exchange ended. */
  closed: boolean;
}

export interface RawSendOptions {
  /** Half-close our side after the last write (a client that gives up mid-body). */
  endAfterWrite?: boolean;
  /** Wait this long for the server to close after a complete response (default: don't wait). */
  awaitCloseMs?: number;
  timeoutMs?: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');

function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status, headers };
}

/** Decodes a complete chunked body, or returns undefined while the terminal chunk is missing. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}

/** The complete response in `data`, or undefined while more bytes are due. */
function completeResponse(data: Buffer, ended: boolean): RawResponse | undefined {
  const headEnd = data.indexOf(HEAD_END);
  if (headEnd < 0) return undefined;
  const { status, headers } = parseHead(data.toString('latin1', 0, headEnd));
  const rest = data.subarray(headEnd + HEAD_END.length);
  const length = headers['content-length'];
  if (length !== undefined) {
    const wanted = Number(length);
    return rest.length >= wanted ? { status, headers, body: rest.subarray(0, wanted) } : undefined;
  }
  if (headers['transfer-encoding']?.includes('chunked')) {
    const body = dechunk(rest);
    return body === undefined ? undefined : { status, headers, body };
  }
  return ended ? { status, headers, body: rest } : undefined;
}

/** Writes `chunks` in order to `url`'s host and port, then reads one response. */
export function sendRaw(
  url: string,
  chunks: Array<string | Buffer>,
  options: RawSendOptions = {},
): Promise<RawExchange> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    let response: RawResponse | undefined;
    let settled = false;

    const timer = setTimeout(() => {
      settle(() => reject(new Error(`no answer from ${url} within ${options.timeoutMs ?? 5000} ms`)));
    }, options.timeoutMs ?? 5000);

    function settle(action: () => void) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      action();
    }

    function onClosed() {
      response ??= completeResponse(Buffer.concat(received), true);
      settle(() => resolve({ response, closed: true }));
    }

    socket.on('data', (chunk) => {
      received.push(chunk);
      if (response !== undefined) return;
      response = completeResponse(Buffer.concat(received), false);
      if (response === undefined) return;
      if (!options.awaitCloseMs) {
        settle(() => resolve({ response, closed: socket.readableEnded }));
        return;
      }
      const wait = setTimeout(() => settle(() => resolve({ response, closed: false })), options.awaitCloseMs);
      wait.unref();
    });
    socket.on('end', onClosed);
    socket.on('close', onClosed);
    // A reset after Olla has answered (it closed while we were still writing) still counts as closed.
    socket.on('error', onClosed);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      if (options.endAfterWrite) socket.end();
    });
  });
}

/** The parsed JSON body of a raw response (throws, failing the test, when it is not JSON). */
export function jsonOf(response: RawResponse | undefined): Record<string, unknown> {
  if (response === undefined) throw new Error('no response');
  return JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
}
