/**
 * Every way the proxy can refuse a request, for both engines: each answers with the spec's JSON
 * error shape and status, saying what happened and, where it helps, what to do.
 */
import { describe, expect, it } from 'vitest';
import { waitFor, waitForHealthy } from '../helpers/olla.js';
import { ENGINES, errorAnswer, useServers } from './proxy-support.js';

const MODEL = 'gpt-oss:20b';
const chatBody = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });

function postChat(url: string, prefix = '/olla/proxy', body = chatBody, headers: Record<string, string> = {}) {
  return fetch(`${url}${prefix}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe.each(ENGINES)('proxy error answers (%s engine)', (engine) => {
  const servers = useServers();

  it('answers 503 JSON when no endpoint is healthy', async () => {
    const mock = await servers.mock({ name: 'down-1', flavour: 'openai', models: [MODEL] });
    await mock.stop();
    const olla = await servers.olla(engine, [{ name: 'down-1', url: mock.url, type: 'openai-compatible' }]);
    await waitFor(() => olla.olla.endpoints.get('down-1')?.status !== 'unknown', 5000, 'first health check');

    const response = await postChat(olla.url);
    const answer = await errorAnswer(response);

    expect(answer.status).toBe(503);
    expect(answer.type).toContain('application/json');
    expect(answer.body).toMatchObject({ code: 'OLLA_ERR_NO_HEALTHY_ENDPOINT', status: 503 });
    expect(answer.body.error).toMatch(/no healthy/i);
    expect(answer.body.request_id).toBe(response.headers.get('x-olla-request-id'));
  });

  it('answers 502 JSON naming every endpoint tried when all candidates fail', async () => {
    const a = await servers.mock({ name: 'node-a', flavour: 'openai', models: [MODEL] });
    const b = await servers.mock({ name: 'node-b', flavour: 'openai', models: [MODEL] });
    const olla = await servers.olla(engine, [
      { name: 'node-a', url: a.url, type: 'openai-compatible' },
      { name: 'node-b', url: b.url, type: 'openai-compatible' },
    ]);
    await waitForHealthy(olla, ['node-a', 'node-b'], { models: [MODEL] });

    // Both drop the connection before answering: a connection failure, retried on the other.
    const answer = await errorAnswer(await postChat(olla.url, '/olla/proxy', chatBody, { 'x-mock-fault': 'close' }));

    expect(answer.status).toBe(502);
    expect(answer.type).toContain('application/json');
    expect(answer.body).toMatchObject({ code: 'OLLA_ERR_UPSTREAM_FAILED', status: 502 });
    expect((answer.body.endpoints as string[]).toSorted()).toEqual(['node-a', 'node-b']);
    expect(answer.body.error).toContain('node-a');
    expect(answer.body.error).toContain('node-b');
  });

  it('answers an unknown route with 404 JSON', async () => {
    const olla = await servers.olla(engine, []);
    for (const path of ['/nope', '/internal/nothing']) {
      const answer = await errorAnswer(await fetch(`${olla.url}${path}`));
      expect(answer.status, path).toBe(404);
      expect(answer.type).toContain('application/json');
      expect(answer.body).toMatchObject({ code: 'OLLA_ERR_ROUTE_NOT_FOUND', status: 404 });
      expect(answer.body.error).toContain(path);
      expect(answer.body.hint).toEqual(expect.any(String));
    }
    // Under /olla/ the clients are OpenAI-style SDKs, so the envelope is OpenAI's.
    const path = '/olla/not-a-provider/v1/chat/completions';
    const answer = await errorAnswer(await fetch(`${olla.url}${path}`));
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({
      error: { code: 'OLLA_ERR_ROUTE_NOT_FOUND', type: 'not_found_error', message: expect.stringContaining(path) },
    });
  });

  it('answers 413 JSON for a body over server.request_limits.max_body_size, before any backend sees it', async () => {
    const mock = await servers.mock({ name: 'node-a', flavour: 'openai', models: [MODEL] });
    const olla = await servers.olla(engine, [{ name: 'node-a', url: mock.url, type: 'openai-compatible' }], {
      server: { request_limits: { max_body_size: '1KB' } },
    });
    await waitForHealthy(olla, ['node-a'], { models: [MODEL] });
    const big = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(4096) }] });

    const small = await postChat(olla.url);
    await small.arrayBuffer();
    const answer = await errorAnswer(await postChat(olla.url, '/olla/proxy', big));
    // Without a Content-Length the limit is enforced while the body streams in.
    const chunked = await errorAnswer(
      await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob([big]).stream(),
        duplex: 'half',
      } as RequestInit),
    );

    expect(small.status).toBe(200);
    expect(chunked.status).toBe(413);
    expect(chunked.body).toMatchObject({ code: 'OLLA_ERR_PAYLOAD_TOO_LARGE', status: 413 });
    expect(answer.status).toBe(413);
    expect(answer.type).toContain('application/json');
    expect(answer.body).toMatchObject({ code: 'OLLA_ERR_PAYLOAD_TOO_LARGE', status: 413 });
    expect(answer.body.error).toMatch(/too large/i);
    expect(answer.body.limit).toBe(1024);
    expect(mock.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
  });

  it('answers OpenAI-shaped errors on the OpenAI-style provider routes', async () => {
    const mock = await servers.mock({ name: 'down-1', flavour: 'openai', models: [MODEL] });
    await mock.stop();
    const olla = await servers.olla(engine, [{ name: 'down-1', url: mock.url, type: 'openai-compatible' }]);
    await waitFor(() => olla.olla.endpoints.get('down-1')?.status !== 'unknown', 5000, 'first health check');

    const answer = await errorAnswer(await postChat(olla.url, '/olla/openai'));

    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({
      error: { code: 'OLLA_ERR_NO_HEALTHY_ENDPOINT', type: 'server_error', message: expect.any(String) },
    });
  });
});
