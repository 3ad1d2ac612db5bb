/**
 * OpenTelemetry: a real Olla exports OTLP/HTTP JSON to a collector started in the test, with the
 * GenAI attributes, a child span per upstream attempt (a failover shows two), and the attempt's
 * W3C traceparent on the request the backend received.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { startMockBackend } from '../mock/backend.js';

const MODEL = 'llama3.2:3b';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: AnyValue }[];
}

function attributes(span: OtlpSpan): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries(
    span.attributes.map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue === undefined ? value.boolValue : Number(value.intValue)),
    ]),
  );
}

/** A minimal OTLP/HTTP collector: keeps every span of every JSON export it is sent. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; paths: string[] }> {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      paths.push(`${req.url} ${req.headers['content-type']}`);
      const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const r of doc.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans, paths };
}

describe('OpenTelemetry traces', () => {
  it('exports a request span with GenAI attributes and one child span per attempt, and propagates traceparent', async () => {
    const collector = await startCollector();
    const backend = await startMockBackend({ name: 'node-a', flavour: 'ollama', models: [MODEL], tokens: 4 });
    cleanups.push(() => backend.close());
    // A second node that refuses connections: priority sends the first attempt there, then fails over.
    const dead = await startMockBackend({ name: 'node-dead', flavour: 'ollama', models: [MODEL] });
    cleanups.push(() => dead.close());
    const olla = await startOlla(
      [
        { name: 'node-dead', url: dead.url, type: 'ollama', priority: 200 },
        { name: 'node-a', url: backend.url, type: 'ollama', priority: 100 },
      ],
      {
        proxy: { load_balancer: 'priority' },
        telemetry: { otlp: { endpoint: collector.url, service_name: 'olla-e2e' } },
      },
    );
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await olla.close();
    });
    await waitForHealthy(olla, ['node-dead', 'node-a'], { models: [MODEL] });
    await dead.stop();

    const res = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      body: JSON.stringify({
        model: MODEL,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(res.status).toBe(200);
    await res.text();
    // Closing flushes the batch processor.
    closed = true;
    await olla.close();
    await waitFor(() => collector.spans.length >= 3, 5000, 'spans exported');

    expect(collector.paths[0]).toMatch(/^\/v1\/traces application\/json/);
    const request = collector.spans.find((s) => s.kind === 2)!;
    expect(request.name).toBe(`chat ${MODEL}`);
    // The client's trace continues through Olla.
    expect(request.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(request.parentSpanId).toBe('b7ad6b7169203331');
    const attrs = attributes(request);
    expect(attrs).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': MODEL,
      'gen_ai.response.model': MODEL,
      'server.address': '127.0.0.1',
      'olla.endpoint': 'node-a',
      'http.response.status_code': 200,
      'olla.retries': 1,
    });
    expect(attrs['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(attrs['gen_ai.usage.output_tokens']).toBe(4);

    const attempts = collector.spans.filter((s) => s.kind === 3);
    expect(attempts.map((s) => attributes(s)['olla.endpoint'])).toEqual(['node-dead', 'node-a']);
    for (const attempt of attempts) expect(attempt.parentSpanId).toBe(request.spanId);
    expect(attributes(attempts[0]!)['error.type']).toBeDefined();
    expect(attributes(attempts[1]!)['http.response.status_code']).toBe(200);

    // The backend saw the successful attempt's span as its parent, not the client's.
    const sent = backend.requests.find((r) => r.path === '/v1/chat/completions')!;
    expect(sent.headers.traceparent).toBe(`00-${request.traceId}-${attempts[1]!.spanId}-01`);
  });

  it('traces Anthropic Messages requests too', async () => {
    const collector = await startCollector();
    const backend = await startMockBackend({ name: 'node-a', flavour: 'ollama', models: [MODEL], tokens: 3 });
    cleanups.push(() => backend.close());
    const olla = await startOlla([{ name: 'node-a', url: backend.url, type: 'ollama' }], {
      telemetry: { otlp: { endpoint: collector.url } },
    });
    await waitForHealthy(olla, ['node-a'], { models: [MODEL] });
    const res = await fetch(`${olla.url}/olla/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    await olla.close();
    await waitFor(() => collector.spans.some((s) => s.kind === 2), 5000, 'request span exported');
    const request = collector.spans.find((s) => s.kind === 2)!;
    expect(attributes(request)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': MODEL,
      'olla.endpoint': 'node-a',
      'http.response.status_code': 200,
    });
    expect(collector.spans.filter((s) => s.kind === 3)).toHaveLength(1);
  });
});
