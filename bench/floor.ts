/**
 * The floor: the leanest pass-through Node can do, so the bench can show what Olla's features cost
 * over Node itself. A `node:http` server forwards each request through an undici Pool with a bare
 * dispatch handler; hop-by-hop headers are dropped (RFC 9110 §7.6.1) and nothing else is done,
 * except what any streaming proxy must do: a response without a length (SSE, NDJSON) has its head
 * sent at once, as Olla's engines send it, not held back until the first token.
 *
 *   node --import tsx bench/floor.ts <upstream origin> [port]     prints {"url": "..."} when listening
 */
import http from 'node:http';
import { type Dispatcher, Pool } from 'undici';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name) && headers[name] !== undefined) kept[name] = headers[name];
  return kept;
}

const [origin, port = '0'] = process.argv.slice(2);
if (!origin) throw new Error('usage: floor.ts <upstream origin> [port]');
const pool = new Pool(origin, { pipelining: 1 });

const server = http.createServer((req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(controller) {
      res.once('close', () => res.writableFinished || controller.abort(new Error('client went away')));
    },
    onResponseStart(controller, status, headers) {
      res.writeHead(status, endToEnd(headers));
      // node:http holds a head until the first body write; a stream's first token may be seconds away.
      if (headers['content-length'] === undefined) res.flushHeaders();
      res.on('drain', () => controller.resume());
    },
    onResponseData(controller, chunk) {
      if (!res.write(chunk)) controller.pause();
    },
    onResponseEnd: () => res.end(),
    onResponseError: () => res.destroy(),
  };
  const request = { path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: endToEnd(req.headers) };
  pool.dispatch({ ...request, body: hasBody ? req : null }, handler);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }));
});
