import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OUTLIER_DETECTION_DEFAULTS } from '../../../config/outlier-schema.js';
import type { ProxyConfig } from '../../../config/types.js';
import { fakeEndpoint } from '../../../core/domain/endpoint.fixture.js';
import { RequestBody } from '../../../core/domain/request-body.js';
import { isConnectionFailure, isTimeout } from '../core/failure.js';
import type { AttemptListener, UpstreamAttempt } from '../core/transport.js';
import { toUpstreamTarget } from '../core/upstream-target.js';
import { SherpaTransport, sherpaFailure } from './sherpa-transport.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(handler: RequestListener): Promise<string> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function transport(overrides: Partial<ProxyConfig> = {}): SherpaTransport {
  const config = {
    connectionTimeout: 2000,
    connectionKeepAlive: 1000,
    readTimeout: 5000,
    responseHeaderTimeout: 5000,
    tlsHandshakeTimeout: 2000,
    outlierDetection: OUTLIER_DETECTION_DEFAULTS,
    ...overrides,
  } as ProxyConfig;
  const sherpa = new SherpaTransport(config);
  cleanups.push(() => sherpa.close());
  return sherpa;
}

/** Records an attempt's events and settles once it ends or fails. */
class Recorder implements AttemptListener {
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly chunks: Buffer[] = [];
  readonly settled: Promise<Error | undefined>;
  #settle!: (error: Error | undefined) => void;

  constructor() {
    this.settled = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }
  onUpstreamHeaders(_attempt: UpstreamAttempt, status: number, headers: IncomingHttpHeaders): void {
    this.status = status;
    this.headers = headers;
  }
  onUpstreamData(_attempt: UpstreamAttempt, chunk: Buffer): void {
    this.chunks.push(chunk);
  }
  onUpstreamEnd(): void {
    this.#settle(undefined);
  }
  onUpstreamError(_attempt: UpstreamAttempt, error: Error): void {
    this.#settle(error);
  }
  get body(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

function send(sherpa: SherpaTransport, url: string, body?: string): Recorder {
  const recorder = new Recorder();
  const endpoint = fakeEndpoint({ name: 'e', url });
  const payload = body === undefined ? undefined : Buffer.from(body);
  const headers = ['host', new URL(url).host];
  if (payload !== undefined) headers.push('content-length', String(payload.length));
  sherpa
    .open(recorder, {
      endpoint,
      target: toUpstreamTarget(endpoint),
      method: payload === undefined ? 'GET' : 'POST',
      path: '/v1/echo?q=1',
      headers,
      body: payload === undefined ? undefined : RequestBody.of(payload),
    })
    .start();
  return recorder;
}

describe('SherpaTransport', () => {
  it('sends the request as prepared and relays the answer', async () => {
    const url = await listen(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      res.writeHead(201, { 'x-seen': `${req.method} ${req.url} ${Buffer.concat(chunks)}` }).end('done');
    });
    const recorder = send(transport(), url, '{"a":1}');
    expect(await recorder.settled).toBeUndefined();
    expect(recorder.status).toBe(201);
    expect(recorder.headers['x-seen']).toBe('POST /v1/echo?q=1 {"a":1}');
    expect(recorder.body).toBe('done');
  });

  it('raises a HeadersTimeoutError when no response head comes in time, a retryable connection failure', async () => {
    const url = await listen(() => {});
    const error = await send(transport({ responseHeaderTimeout: 50 }), url).settled;
    expect(error?.name).toBe('HeadersTimeoutError');
    expect(isConnectionFailure(error)).toBe(true);
    expect(isTimeout(error)).toBe(true);
  });

  it('raises a ReadTimeoutError when the body goes quiet, after relaying what came', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
    });
    const recorder = send(transport({ readTimeout: 50 }), url);
    const error = await recorder.settled;
    expect(error?.name).toBe('ReadTimeoutError');
    expect(isTimeout(error)).toBe(true);
    expect(recorder.body).toBe('data: one\n\n');
  });

  it('raises an UpstreamClosedError when the backend drops the connection mid-response', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n', () => res.socket?.destroy());
    });
    const error = await send(transport(), url).settled;
    expect(error?.name).toBe('UpstreamClosedError');
  });

  it('passes a refused connection through as the connection failure it is', async () => {
    const url = await listen(() => {});
    await cleanups.pop()!();
    const error = await send(transport(), url).settled;
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isConnectionFailure(error)).toBe(true);
  });

  it('once retired, finishes the response in flight and then lets its connection go', async () => {
    let finish: (() => void) | undefined;
    let socketClosed = false;
    const url = await listen((req, res) => {
      req.socket.once('close', () => {
        socketClosed = true;
      });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      finish = () => res.end('data: two\n\n');
    });
    const sherpa = transport();
    const recorder = send(sherpa, url);
    await expect.poll(() => recorder.chunks.length).toBe(1);
    sherpa.retire();
    finish!();
    expect(await recorder.settled).toBeUndefined();
    expect(recorder.body).toBe('data: one\n\ndata: two\n\n');
    await expect.poll(() => socketClosed).toBe(true);
  });

  it('abandons a request aborted before it has a connection', async () => {
    const url = await listen((_req, res) => res.end('late'));
    const recorder = new Recorder();
    const endpoint = fakeEndpoint({ name: 'e', url });
    const attempt = transport().open(recorder, {
      endpoint,
      target: toUpstreamTarget(endpoint),
      method: 'GET',
      path: '/',
      headers: ['host', new URL(url).host],
      body: undefined,
    });
    attempt.start();
    attempt.abort(new Error('client went away'));
    expect((await recorder.settled)?.message).toBe('client went away');
    expect(recorder.status).toBe(0);
  });
});

describe('sherpaFailure', () => {
  const undiciError = (code: string) => Object.assign(new Error(code), { code });

  it('names a connect timeout as one', () => {
    const error = sherpaFailure(undiciError('UND_ERR_CONNECT_TIMEOUT'), false);
    expect(error.name).toBe('ConnectTimeoutError');
    expect(isConnectionFailure(error) && isTimeout(error)).toBe(true);
  });

  it('leaves a socket closed before any answer as the connection failure undici reported', () => {
    const original = undiciError('UND_ERR_SOCKET');
    expect(sherpaFailure(original, false)).toBe(original);
  });
});
