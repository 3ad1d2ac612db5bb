/**
 * Pass-through throughput of the proxy engines against the floor they are measured by: a bare
 * `node:http` server forwarding through an undici `Pool.dispatch` with nothing else to do.
 *
 *   npx tsx bench/proxy-micro.ts [connections=64] [seconds=5] [bodyBytes=512]
 *   BENCH_ENGINES=olla npx tsx bench/proxy-micro.ts      (one engine only)
 *
 * The backend runs in a worker thread and autocannon in a child process, so the proxy under test
 * has the main event loop to itself. Target: each engine at ≥ 0.9× the baseline's requests/s.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { type Dispatcher, Pool } from 'undici';
import { proxyIdentity } from '../src/adapter/proxy/core/request-headers.js';
import { createProxyEngine } from '../src/adapter/proxy/factory.js';
import { OUTLIER_DETECTION_DEFAULTS } from '../src/config/outlier-schema.js';
import type { ProxyConfig } from '../src/config/types.js';
import type { Endpoint } from '../src/core/domain/endpoint.js';
import type { EndpointSelector } from '../src/core/ports/balancer.js';
import type { ProxyEngine } from '../src/core/ports/proxy.js';

const [connections = 64, seconds = 5, bodyBytes = 512] = process.argv.slice(2).map(Number);

const BACKEND = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const body = Buffer.alloc(workerData.bodyBytes, 'x');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body));
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

async function startBackend(): Promise<{ url: string; worker: Worker }> {
  const worker = new Worker(BACKEND, { eval: true, workerData: { bodyBytes } });
  const [port] = await once(worker, 'message');
  return { url: `http://127.0.0.1:${port}`, worker };
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<http.Server> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/**
 * The floor: forward through a Pool with a minimal dispatch handler, no Olla logic at all. With
 * `extra`, it also sends as many headers each way as Olla does, which separates the cost of the
 * headers the original mandates from the cost of the engine itself.
 */
function baseline(origin: string, extra: boolean): (req: IncomingMessage, res: ServerResponse) => void {
  const pool = new Pool(origin, { connections: 50, pipelining: 1 });
  const upstreamExtra = {
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-proto': 'http',
    'x-forwarded-host': 'localhost',
    'x-real-ip': '127.0.0.1',
    via: '1.1 olla/bench',
    'x-proxied-by': 'Olla/bench',
  };
  const clientExtra = {
    via: '1.1 olla/bench',
    'x-served-by': 'Olla/bench',
    'x-olla-request-id': 'bench',
    'x-olla-response-time': '0ms',
    'x-olla-endpoint': 'bench',
    'x-olla-backend-type': 'ollama',
  };
  return (req, res) => {
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(_c, status, headers) {
        res.writeHead(status, (extra ? { ...headers, ...clientExtra } : headers) as http.OutgoingHttpHeaders);
      },
      onResponseData(_c, chunk) {
        res.write(chunk);
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError() {
        res.destroy();
      },
    };
    const { connection: _hop, ...incoming } = req.headers;
    const headers = extra ? { ...incoming, ...upstreamExtra } : incoming;
    pool.dispatch({ path: req.url!, method: req.method as Dispatcher.HttpMethod, headers }, handler);
  };
}

function engineHandler(
  engine: ProxyEngine,
  candidates: Endpoint[],
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void engine.handle(req, res, {
      requestId: 'bench',
      startTime: performance.now(),
      method: req.method!,
      targetPath: req.url!,
      body: undefined,
      candidates,
      selection: { headers: req.headers, clientIp: '127.0.0.1' },
    });
  };
}

const selector: EndpointSelector = {
  name: 'first',
  select: (candidates) => candidates[0],
  acquire: () => {},
  release: () => {},
  connections: () => 0,
};

const config: ProxyConfig = {
  engine: 'olla',
  profile: 'auto',
  loadBalancer: 'priority',
  connectionTimeout: 30_000,
  connectionKeepAlive: 30_000,
  responseTimeout: 600_000,
  readTimeout: 600_000,
  responseHeaderTimeout: 30_000,
  tlsHandshakeTimeout: 10_000,
  stickySessions: { enabled: false, idleTtlSeconds: 600, maxSessions: 1000, keySources: [], prefixHashBytes: 512 },
  retry: { enabled: true, onConnectionFailure: true, maxAttempts: 0, budgetPercent: 20, budgetWindow: 10_000 },
  outlierDetection: OUTLIER_DETECTION_DEFAULTS,
  preferLoadedModels: false,
  queue: { enabled: false, maxSize: 0, maxWait: 0 },
};

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

function load(url: string, duration = seconds): Promise<{ rps: number; p99: number; errors: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [autocannonBin, '-c', String(connections), '-d', String(duration), '-j', url],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return reject(err);
        const r = JSON.parse(stdout);
        resolve({ rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx });
      },
    );
  });
}

const backend = await startBackend();
const endpoint = {
  name: 'bench',
  type: 'ollama',
  url: backend.url,
  preservePath: false,
  headers: {},
  status: 'healthy',
} as unknown as Endpoint;

const contenders: [string, (req: IncomingMessage, res: ServerResponse) => void, ProxyEngine | undefined][] = [
  ['baseline (http + Pool.dispatch)', baseline(backend.url, false), undefined],
  ['baseline + Olla-sized headers', baseline(backend.url, true), undefined],
];
for (const name of (process.env.BENCH_ENGINES ?? 'olla,sherpa').split(',')) {
  const engine = createProxyEngine(name, {
    config,
    selector,
    health: { markFailed: () => {}, recheck: () => {} },
    identity: proxyIdentity('bench', 'olla-bench'),
  });
  contenders.push([`${name} engine`, engineHandler(engine, [endpoint]), engine]);
}

console.log(`autocannon -c ${connections} -d ${seconds}, ${bodyBytes}-byte JSON answers`);
let floor = 0;
for (const [label, handler, engine] of contenders) {
  const server = await serve(handler);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/tags`;
  await load(url, 2); // let pools, JIT and sockets settle
  const result = await load(url);
  floor ||= result.rps;
  console.log(
    `${label.padEnd(34)} ${result.rps.toFixed(0).padStart(7)} req/s  p99 ${String(result.p99).padStart(4)} ms  ` +
      `${(result.rps / floor).toFixed(2)}×  errors ${result.errors}`,
  );
  server.closeAllConnections();
  server.close();
  await engine?.close();
}
await backend.worker.terminate();
