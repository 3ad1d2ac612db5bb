/**
 * Streams that go wrong, for both engines: a client that leaves, a backend that dies or stalls,
 * and a client that reads far slower than the backend writes. Olla must end each promptly,
 * release the endpoint, hold no more memory than a slow reader justifies, and keep serving.
 */
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type RunningOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { ENGINES, errorAnswer, useServers } from './proxy-support.js';

const MODEL = 'gpt-oss:20b';
const MB = 1024 * 1024;
const streamBody = JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] });
const chatBody = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });

function chat(olla: RunningOlla, body: string, init: RequestInit = {}) {
  return fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
    method: 'POST',
    body,
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
  });
}

/** Requests in flight to node-a, as Olla's status API reports the balancer's count. */
async function connections(olla: RunningOlla): Promise<number> {
  const status = (await (await fetch(`${olla.url}/internal/status/endpoints`)).json()) as {
    endpoints: { name: string; active_connections: number }[];
  };
  return status.endpoints.find((e) => e.name === 'node-a')?.active_connections ?? -1;
}

/** Proxied requests Olla counted as failed, from its status API. */
async function totalFailures(olla: RunningOlla): Promise<number> {
  const status = (await (await fetch(`${olla.url}/internal/status`)).json()) as { system: { total_failures: number } };
  return status.system.total_failures;
}

async function expectIdle(olla: RunningOlla): Promise<void> {
  await waitFor(async () => (await connections(olla)) === 0, 2000, 'node-a connection count to return to 0');
}

/** A follow-up request answered in full, after which node-a holds no connection: Olla is still serving. */
async function expectStillServing(olla: RunningOlla): Promise<void> {
  const response = await chat(olla, chatBody);
  const body = (await response.json()) as { choices: { message: { content: string } }[] };
  expect(response.status).toBe(200);
  expect(body.choices[0]?.message.content).toContain('Hello from node-a');
  await expectIdle(olla);
}

describe.each(ENGINES)('streaming faults (%s engine)', (engine) => {
  const servers = useServers();

  async function oneBackend(overrides: Record<string, unknown> = {}, tokens = 10, tokenDelayMs = 0) {
    const mock = await servers.mock({ name: 'node-a', flavour: 'openai', models: [MODEL], tokens, tokenDelayMs });
    const olla = await servers.olla(engine, [{ name: 'node-a', url: mock.url, type: 'openai-compatible' }], overrides);
    await waitForHealthy(olla, ['node-a'], { models: [MODEL] });
    return { mock, olla };
  }

  it('aborts the upstream stream within 200 ms of the client aborting, and releases the endpoint', async () => {
    const { mock, olla } = await oneBackend({}, 500, 20);
    const controller = new AbortController();
    servers.defer(() => controller.abort());
    const response = await chat(olla, streamBody, { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(await connections(olla)).toBe(1);

    const abortedAt = performance.now();
    controller.abort();
    const closed = await mock.waitForStreamClosed({ reason: 'client', timeoutMs: 2000 });

    expect(closed.at - abortedAt).toBeLessThan(200);
    expect(closed.framesWritten).toBeLessThan(500);
    await expectIdle(olla);
    // A client walking away is not the endpoint's fault.
    expect(await totalFailures(olla)).toBe(0);
    await expectStillServing(olla);
  });

  it('ends the client response with an error event at once when the backend dies mid-stream, and keeps serving', async () => {
    const readTimeoutMs = 3000;
    const { mock, olla } = await oneBackend({ proxy: { read_timeout: '3s' } }, 10, 20);
    mock.setFault('die-mid-stream', { paths: ['/v1/chat/completions'], times: 1 });

    const started = performance.now();
    const response = await chat(olla, streamBody);
    const body = await response.text(); // ends cleanly: no read error
    const elapsed = performance.now() - started;

    expect(response.status).toBe(200);
    expect(body).toContain('Hello');
    const last = body.trimEnd().split('\n\n').at(-1)!;
    expect(JSON.parse(last.replace(/^data: /, ''))).toMatchObject({ error: { type: 'upstream_error' } });
    // Well inside the read timeout: Olla noticed the death, it did not wait for silence.
    expect(elapsed).toBeLessThan(readTimeoutMs);
    await expectIdle(olla);
    expect(await totalFailures(olla)).toBe(1);
    await expectStillServing(olla);
  });

  it.each(['hang', 'slow-headers:8000'])(
    'answers 504 JSON within the response-header timeout when the backend %s, and keeps serving',
    async (fault) => {
      const headerTimeoutMs = 1000;
      const { olla } = await oneBackend({ proxy: { response_header_timeout: '1s' } });

      const started = performance.now();
      const answer = await errorAnswer(await chat(olla, chatBody, { headers: { 'x-mock-fault': fault } }));
      const elapsed = performance.now() - started;

      expect(answer.status).toBe(504);
      expect(answer.body).toMatchObject({ code: 'OLLA_ERR_UPSTREAM_TIMEOUT', status: 504, endpoints: ['node-a'] });
      expect(elapsed).toBeGreaterThanOrEqual(headerTimeoutMs - 50);
      expect(elapsed).toBeLessThan(headerTimeoutMs + 2000);
      expect(await totalFailures(olla)).toBe(1);
      // A timed-out endpoint is marked failed; the health checker brings it back.
      await waitForHealthy(olla, ['node-a'], { timeoutMs: 10_000 });
      await expectStillServing(olla);
    },
  );

  it('ends a stream that stalls beyond the read timeout with an error, and keeps serving', async () => {
    const readTimeoutMs = 1000;
    const { mock, olla } = await oneBackend({ proxy: { read_timeout: '1s' } });
    mock.setScript((request) =>
      request.stream
        ? {
            kind: 'sse',
            frames: [
              { data: { choices: [{ index: 0, delta: { content: 'first' } }] } },
              { data: { choices: [{ index: 0, delta: { content: 'never' } }] }, delayMs: 20_000 },
            ],
          }
        : undefined,
    );

    const response = await chat(olla, streamBody);
    const reader = response.body!.getReader();
    const first = await reader.read();
    const stalledAt = performance.now();
    let rest = '';
    const decoder = new TextDecoder();
    for (let read = await reader.read(); !read.done; read = await reader.read()) rest += decoder.decode(read.value);
    const elapsed = performance.now() - stalledAt;

    expect(decoder.decode(first.value)).toContain('first');
    // The stall ends the stream with an error event (the read timeout), then a clean end.
    expect(JSON.parse(rest.trim().replace(/^data: /, ''))).toMatchObject({ error: { type: 'upstream_error' } });
    expect(elapsed).toBeLessThan(readTimeoutMs + 2000);
    const closed = await mock.waitForStreamClosed({ reason: 'client', timeoutMs: 2000 });
    expect(closed.framesWritten).toBe(1);
    await expectIdle(olla);
    expect(await totalFailures(olla)).toBe(1);
    mock.setScript(undefined);
    await expectStillServing(olla);
  });

  it('holds a fast 50 MB stream back for a client reading 1 KB/s, keeping memory flat', async () => {
    const { mock, olla } = await oneBackend();
    await expectStillServing(olla);
    const baselineRss = process.memoryUsage().rss;

    const req = httpRequest(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-fault': `huge:${50 * MB}` },
    });
    servers.defer(() => void req.destroy());
    req.end(chatBody);
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(200);

    // 256 bytes every 250 ms is 1 KB/s; the response stays paused in between.
    let read = 0;
    let peakRss = baselineRss;
    for (let tick = 0; tick < 16; tick++) {
      await sleep(250);
      const chunk = (res.read(256) ?? res.read()) as Buffer | null;
      if (chunk) read += chunk.length;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    const streamedWhileSlow = mock.bytesStreamed;
    res.destroy();
    await mock.waitForStreamClosed({ reason: 'client', timeoutMs: 2000 });

    expect(read).toBeGreaterThan(0);
    expect(peakRss - baselineRss).toBeLessThan(50 * MB);
    // Only what socket buffers hold has left the backend: the rest waits for the reader.
    expect(streamedWhileSlow).toBeLessThan(20 * MB);
    await expectIdle(olla);
  });
});
