/**
 * What the proxy does to a request and its answer on the wire, for both engines: Olla's response
 * headers, hop-by-hop stripping, forwarding headers, untouched method/query/body, and provider
 * routes kept to their own paths and backend types.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { waitFor, waitForHealthy } from '../helpers/olla.js';
import { ENGINES, errorAnswer, useServers } from './proxy-support.js';

const MODEL = 'gpt-oss:20b';
const chatBody = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });

interface EchoBody {
  backend: string;
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  bodyLength: number;
  bodySha256: string;
}

/** A raw node:http request, so the test can send what fetch refuses to (Connection, TE, Keep-Alive, `..`). */
function rawRequest(
  origin: string,
  path: string,
  options: { method: string; headers: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    // The path is passed apart from the origin so it goes out verbatim (a URL would resolve `..`).
    const req = httpRequest({ hostname, port, path, method: options.method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe.each(ENGINES)('requests and answers on the wire (%s engine)', (engine) => {
  const servers = useServers();

  async function oneOpenAiBackend() {
    const mock = await servers.mock({ name: 'oa-1', flavour: 'openai', models: [MODEL] });
    const olla = await servers.olla(engine, [{ name: 'oa-1', url: mock.url, type: 'openai-compatible' }]);
    await waitForHealthy(olla, ['oa-1'], { models: [MODEL] });
    return { mock, olla };
  }

  it('answers with every X-Olla header in the spec formats, keeping the client request ID', async () => {
    const { olla } = await oneOpenAiBackend();

    const response = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-42.abc' },
      body: chatBody,
    });
    await response.arrayBuffer();

    expect(response.status).toBe(200);
    const h = response.headers;
    expect(h.get('x-olla-endpoint')).toBe('oa-1');
    expect(h.get('x-olla-model')).toBe(MODEL);
    expect(h.get('x-olla-backend-type')).toBe('openai-compatible');
    expect(h.get('x-olla-request-id')).toBe('trace-42.abc');
    expect(h.get('x-olla-response-time')).toMatch(/^\d+ms$/);
    expect(h.get('x-olla-routing-strategy')).toBe(olla.config.modelRegistry.routingStrategy.type);
    expect(h.get('x-olla-routing-decision')).toBe('routed');
    expect(h.get('x-olla-routing-reason')).toBe('model_found');
    expect(h.get('x-served-by')).toMatch(/^Olla\/\S+$/);
    expect(h.get('via')).toMatch(/^1\.1 olla\/\S+$/);
  });

  it('makes up a request ID when the client sends none, and a fresh one per request', async () => {
    const { olla } = await oneOpenAiBackend();
    const ids: (string | null)[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${olla.url}/olla/proxy/echo`);
      await response.arrayBuffer();
      ids.push(response.headers.get('x-olla-request-id'));
    }
    expect(ids[0]).toMatch(/^\S+$/);
    expect(ids[1]).toMatch(/^\S+$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('forwards method, path, query and body bytes untouched, whatever the method', async () => {
    const { olla } = await oneOpenAiBackend();
    const query = 'a=1&b=%20two&b=3&empty=&flag';
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const body = randomBytes(4096);
      const response = await fetch(`${olla.url}/olla/proxy/echo?${query}`, {
        method,
        headers: { 'content-type': 'application/octet-stream' },
        body,
      });
      const echo = (await response.json()) as EchoBody;
      expect(response.status).toBe(200);
      expect(echo.method).toBe(method);
      expect(echo.path).toBe('/echo');
      expect(echo.query).toBe(query);
      expect(echo.bodyLength).toBe(body.length);
      expect(echo.bodySha256).toBe(createHash('sha256').update(body).digest('hex'));
    }
    const get = (await (await fetch(`${olla.url}/olla/proxy/echo?${query}`)).json()) as EchoBody;
    expect(get).toMatchObject({ method: 'GET', query, bodyLength: 0 });
  });

  it('sends a large body byte for byte, in the chunks it came in, and again in full on a retry', async () => {
    const first = await servers.mock({ name: 'oa-1', flavour: 'openai', models: [MODEL] });
    const second = await servers.mock({ name: 'oa-2', flavour: 'openai', models: [MODEL] });
    const olla = await servers.olla(engine, [
      { name: 'oa-1', url: first.url, type: 'openai-compatible' },
      { name: 'oa-2', url: second.url, type: 'openai-compatible' },
    ]);
    await waitForHealthy(olla, ['oa-1', 'oa-2'], { models: [MODEL] });
    // The first node drops the connection once it has read the body: Olla must send it all again.
    first.setFault('close', { paths: ['/echo'], times: 1 });
    const body = randomBytes(3 * 1024 * 1024);
    const sha = createHash('sha256').update(body).digest('hex');
    const answeredBy: string[] = [];
    for (let i = 0; i < 8 && first.requests.filter((r) => r.path === '/echo').length === 0; i++) {
      const response = await fetch(`${olla.url}/olla/proxy/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body,
      });
      const echo = (await response.json()) as EchoBody;
      expect(response.status).toBe(200);
      expect(echo.bodyLength).toBe(body.length);
      expect(echo.bodySha256).toBe(sha);
      answeredBy.push(response.headers.get('x-olla-endpoint') ?? '');
    }
    // The dropped attempt happened, and the request it belonged to was answered by the other node.
    expect(first.requests.filter((r) => r.path === '/echo')).toHaveLength(1);
    expect(answeredBy.at(-1)).toBe('oa-2');
  });

  it('forwards a JSON body byte for byte, not re-serialised', async () => {
    const { olla } = await oneOpenAiBackend();
    // Odd spacing, key order and escapes that a parse-and-stringify would change.
    const body = `{ "messages":[{"content":"caf\\u00e9 \u2603","role":"user"}],\n  "model" : "${MODEL}", "n":1.0 }`;
    const response = await fetch(`${olla.url}/olla/proxy/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const echo = (await response.json()) as EchoBody;
    expect(echo.bodySha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(response.headers.get('x-olla-model')).toBe(MODEL);
  });

  it('sets X-Forwarded-For, -Proto and -Host for the backend', async () => {
    const { olla } = await oneOpenAiBackend();
    const host = new URL(olla.url).host;

    const echo = (await (await fetch(`${olla.url}/olla/proxy/echo`)).json()) as EchoBody;

    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    expect(echo.headers['x-forwarded-host']).toBe(host);
  });

  it('appends to an incoming X-Forwarded-For chain from a client', async () => {
    const { olla } = await oneOpenAiBackend();
    const echo = (await (
      await fetch(`${olla.url}/olla/proxy/echo`, { headers: { 'x-forwarded-for': '203.0.113.7' } })
    ).json()) as EchoBody;
    expect(echo.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
  });

  it('never forwards hop-by-hop headers to the backend, nor those the Connection header names', async () => {
    const { olla } = await oneOpenAiBackend();

    const answer = await rawRequest(olla.url, '/olla/proxy/echo', {
      method: 'GET',
      headers: {
        connection: 'keep-alive, x-hop-secret',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'proxy-authorization': 'Basic c2VjcmV0',
        'x-hop-secret': 'do not pass',
        'x-end-to-end': 'pass me',
      },
    });

    const seen = (JSON.parse(answer.body) as EchoBody).headers;
    expect(answer.status).toBe(200);
    expect(seen['x-end-to-end']).toBe('pass me');
    for (const name of ['keep-alive', 'te', 'proxy-authorization', 'x-hop-secret', 'upgrade', 'trailer']) {
      expect(seen[name], name).toBeUndefined();
    }
    expect(seen.connection ?? 'keep-alive').toMatch(/^(keep-alive|close)$/i);
  });

  it('never passes the backend hop-by-hop response headers on to the client', async () => {
    const { mock, olla } = await oneOpenAiBackend();
    mock.setScript(() => ({
      kind: 'json',
      body: { ok: true },
      headers: {
        connection: 'x-hop-secret',
        'x-hop-secret': 'backend only',
        'proxy-authenticate': 'Basic realm="backend"',
        'x-end-to-end': 'pass me',
      },
    }));

    const answer = await rawRequest(olla.url, '/olla/proxy/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody,
    });

    expect(answer.status).toBe(200);
    expect(answer.headers['x-end-to-end']).toBe('pass me');
    expect(answer.headers['x-hop-secret']).toBeUndefined();
    expect(answer.headers['proxy-authenticate']).toBeUndefined();
    expect(answer.headers.connection ?? 'keep-alive').toMatch(/^(keep-alive|close)$/i);
  });

  it('refuses a path outside the provider profile with 404 JSON, without asking any backend', async () => {
    const mock = await servers.mock({ name: 'ollama-1', flavour: 'ollama', models: ['llama3.2:3b'] });
    const olla = await servers.olla(engine, [{ name: 'ollama-1', url: mock.url, type: 'ollama' }]);
    await waitForHealthy(olla, ['ollama-1']);
    mock.clear();

    for (const path of ['/olla/ollama/etc/passwd', '/olla/ollama/debug/pprof']) {
      const answer = await rawRequest(olla.url, path, { method: 'POST', headers: {} });
      expect(answer.status, path).toBe(404);
      expect(answer.headers['content-type']).toContain('application/json');
      expect(JSON.parse(answer.body)).toMatchObject({
        error: expect.any(String),
        code: 'OLLA_ERR_ROUTE_NOT_FOUND',
        status: 404,
      });
    }
    // Sent raw (fetch would resolve the dot segments first): refused as malformed, never resolved.
    const traversal = await rawRequest(olla.url, '/olla/ollama/api/../../etc/passwd', { method: 'POST', headers: {} });
    expect(traversal.status).toBe(400);
    expect(JSON.parse(traversal.body)).toMatchObject({ code: 'OLLA_ERR_BAD_REQUEST', status: 400 });
    expect(mock.requests.filter((r) => r.path !== mock.healthPath && r.path !== '/api/tags')).toEqual([]);
  });

  it('sends a backend route only to endpoints of its type, and answers 503 when none is healthy', async () => {
    const ollama = await servers.mock({ name: 'ollama-1', flavour: 'ollama', models: ['shared-model'] });
    const vllm = await servers.mock({ name: 'vllm-1', flavour: 'vllm', models: ['shared-model'] });
    const olla = await servers.olla(engine, [
      { name: 'ollama-1', url: ollama.url, type: 'ollama' },
      { name: 'vllm-1', url: vllm.url, type: 'vllm' },
    ]);
    await waitForHealthy(olla, ['ollama-1', 'vllm-1'], { models: ['shared-model'] });
    const body = JSON.stringify({ model: 'shared-model', messages: [{ role: 'user', content: 'hi' }] });
    const chat = () =>
      fetch(`${olla.url}/olla/vllm/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });

    const served: (string | null)[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await chat();
      await response.arrayBuffer();
      served.push(response.headers.get('x-olla-endpoint'));
    }
    await vllm.stop();
    await waitFor(() => olla.olla.endpoints.get('vllm-1')?.status !== 'healthy', 5000, 'vllm-1 to go unhealthy');
    const refused = await errorAnswer(await chat());

    expect(served).toEqual(Array(6).fill('vllm-1'));
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: 'OLLA_ERR_NO_HEALTHY_ENDPOINT' } });
    expect(ollama.requests.filter((r) => r.path === '/v1/chat/completions')).toEqual([]);
  });
});
