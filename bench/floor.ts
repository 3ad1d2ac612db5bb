/**
 * The floor: the leanest pass-through Node can do, so the bench can show what Olla's features cost
 * over Node itself. A `node:http` server forwards each request through an undici Pool with a bare
 * dispatch handler; hop-by-hop headers are dropped (RFC 9110 §7.6.1) and nothing else is done,
 * except what any streaming proxy must do: a response without a length (SSE, NDJSON) has its head
 * sent at once, as Olla's engines send it, not held back until the first token.
 *
 * `--essentials <log file>` adds what any proxy that answers as Olla does must do on the wire,
 * however it is built: the whole body read and its model found by Olla's byte scanner (the node is
 * picked by model, so nothing can go upstream before the body has arrived), the proxy headers
 * Olla sends upstream, Olla's response headers (the `X-Olla-*` set, `Via`, `X-Served-By`, the
 * rate-limit trio) and one JSON request line per request, batched to a file by Olla's own log
 * destination. No routing, balancing, limits, stats or failover. Olla's distance from this is
 * what its design costs; this one's distance from the floor is what the wire contract costs.
 *
 *   node --import tsx bench/floor.ts <upstream origin> [port] [--essentials <log file>]
 *   prints {"url": "..."} when listening
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { type Dispatcher, Pool } from 'undici';
import { proxyIdentity } from '../src/adapter/proxy/core/request-headers.js';
import { VERSION } from '../src/app/version.js';
import { readTopLevelString } from '../src/core/json-field.js';
import { BatchedDestination } from '../src/logger/batched-destination.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

type Headers = Record<string, string | string[]>;

function endToEnd(headers: Record<string, string | string[] | undefined>): Headers {
  const kept: Headers = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name) && headers[name] !== undefined) kept[name] = headers[name];
  return kept;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { essentials: { type: 'string' } } });
const [origin, port = '0'] = positionals;
if (!origin) throw new Error('usage: floor.ts <upstream origin> [port] [--essentials <log file>]');
const pool = new Pool(origin, { pipelining: 1 });

function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer | http.IncomingMessage | null,
  essential: OllaWireRequest | undefined,
): void {
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(controller) {
      res.once('close', () => res.writableFinished || controller.abort(new Error('client went away')));
    },
    onResponseStart(controller, status, headers) {
      const kept = endToEnd(headers);
      res.writeHead(status, essential ? essential.responseHeaders(kept) : kept);
      // node:http holds a head until the first body write; a stream's first token may be seconds away.
      if (headers['content-length'] === undefined) res.flushHeaders();
      res.on('drain', () => controller.resume());
    },
    onResponseData(controller, chunk) {
      if (!res.write(chunk)) controller.pause();
    },
    onResponseEnd() {
      res.end();
      essential?.finished(req, res);
    },
    onResponseError: () => res.destroy(),
  };
  const headers = essential ? essential.upstreamHeaders(req) : endToEnd(req.headers);
  pool.dispatch({ path: req.url!, method: req.method as Dispatcher.HttpMethod, headers, body }, handler);
}

/** How the essentials name themselves, in Olla's own words and lengths. */
const IDENTITY = proxyIdentity(VERSION.version, 'floor-essentials');

/** What the essentials add to one request; the bare floor passes through untouched. */
class OllaWireRequest {
  readonly #log: BatchedDestination;
  readonly #id: string;
  readonly #model: string;
  readonly #startedAt = performance.now();

  constructor(log: BatchedDestination, id: string, model: string) {
    this.#log = log;
    this.#id = id;
    this.#model = model;
  }

  upstreamHeaders(req: http.IncomingMessage): Headers {
    const headers = endToEnd(req.headers);
    const peer = req.socket.remoteAddress ?? '';
    headers['x-model'] = this.#model;
    headers['x-forwarded-for'] = peer;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers['x-real-ip'] = peer;
    headers.via = IDENTITY.upstreamVia;
    headers['x-proxied-by'] = IDENTITY.product;
    return headers;
  }

  responseHeaders(headers: Headers): Headers {
    headers['x-ratelimit-limit'] = '100000000';
    headers['x-ratelimit-remaining'] = '99999999';
    headers['x-ratelimit-reset'] = String(Math.ceil(Date.now() / 1000) + 60);
    headers.via = IDENTITY.via;
    headers['x-served-by'] = IDENTITY.product;
    headers['x-olla-request-id'] = this.#id;
    headers['x-olla-response-time'] = `${Math.round(performance.now() - this.#startedAt)}ms`;
    headers['x-olla-endpoint'] = 'bench-mock';
    headers['x-olla-backend-type'] = 'ollama';
    headers['x-olla-model'] = this.#model;
    headers['x-olla-routing-strategy'] = 'strict';
    headers['x-olla-routing-decision'] = 'routed';
    headers['x-olla-routing-reason'] = 'model_found';
    return headers;
  }

  finished(req: http.IncomingMessage, res: http.ServerResponse): void {
    const line = {
      level: 30,
      time: new Date().toISOString(),
      component: 'request',
      request_id: this.#id,
      method: req.method,
      path: req.url,
      model: this.#model,
      endpoint: 'bench-mock',
      status: res.statusCode,
      duration_ms: Math.round((performance.now() - this.#startedAt) * 10) / 10,
      msg: 'request completed',
    };
    this.#log.write(`${JSON.stringify(line)}\n`);
  }
}

const log = values.essentials === undefined ? undefined : BatchedDestination.toFile(values.essentials);
let served = 0;
const wireRequest = (log: BatchedDestination, model: string) =>
  new OllaWireRequest(log, `req-${(served++).toString(36)}`, model);

const server = http.createServer((req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  if (log === undefined) return forward(req, res, hasBody ? req : null, undefined);
  if (!hasBody) return forward(req, res, null, wireRequest(log, ''));
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    forward(req, res, body, wireRequest(log, readTopLevelString(body, 'model') ?? ''));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }));
});
