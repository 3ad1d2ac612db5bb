import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockBackend, type MockBackendOptions, parseFault, startMockBackend } from './backend.js';

const started: MockBackend[] = [];

async function mock(options: MockBackendOptions = {}): Promise<MockBackend> {
  const backend = await startMockBackend(options);
  started.push(backend);
  return backend;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((backend) => backend.close()));
});

const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

function post(backend: MockBackend, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${backend.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

describe('the fault grammar', () => {
  it.each([
    ['status:503', { kind: 'status', status: 503 }],
    ['close', { kind: 'close' }],
    ['hang', { kind: 'hang' }],
    ['die-mid-stream', { kind: 'die-mid-stream' }],
    ['slow-headers:250', { kind: 'slow-headers', delayMs: 250 }],
    ['garbage', { kind: 'garbage' }],
    ['huge:1048576', { kind: 'huge', bytes: 1048576 }],
  ])('reads %s', (spec, fault) => {
    expect(parseFault(spec)).toEqual(fault);
  });

  it.each(['', 'status', 'status:42', 'status:abc', 'close:1', 'slow-headers:-5', 'huge', 'explode'])(
    'refuses "%s"',
    (spec) => {
      expect(() => parseFault(spec)).toThrow(RangeError);
    },
  );
});

describe('faults', () => {
  it('answer any status in the dialect of the route, until cleared', async () => {
    const backend = await mock({ flavour: 'ollama', name: 'sick' });
    backend.setFault('status:503');
    const ollamaAnswer = await post(backend, '/api/chat', chat);
    expect(ollamaAnswer.status).toBe(503);
    expect(await ollamaAnswer.json()).toEqual({ error: 'mock fault from sick: status 503' });
    expect((await fetch(`${backend.url}/`)).status).toBe(503);

    backend.setFault(null);
    expect((await fetch(`${backend.url}/`)).status).toBe(200);
  });

  it('can hit only some paths, and only a number of times', async () => {
    const backend = await mock({ flavour: 'vllm' });
    backend.setFault('status:500', { paths: ['/v1/chat/completions'], times: 2 });
    expect((await fetch(`${backend.url}/health`)).status).toBe(200);
    expect((await post(backend, '/v1/chat/completions', chat)).status).toBe(500);
    expect((await post(backend, '/v1/chat/completions', chat)).status).toBe(500);
    expect((await post(backend, '/v1/chat/completions', chat)).status).toBe(200);
  });

  it('can hit requests intermittently, taking turns through a pattern', async () => {
    const backend = await mock({ flavour: 'vllm' });
    backend.setFault('status:500', { paths: ['/v1/chat/completions'], pattern: [true, false, true] });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(backend, '/v1/chat/completions', chat)).status);
    expect((await fetch(`${backend.url}/health`)).status).toBe(200);
    expect(statuses).toEqual([500, 200, 500, 500, 200, 500]);
  });

  it('come per request from the x-mock-fault header, which wins over the backend fault', async () => {
    const backend = await mock({ fault: 'status:500' });
    expect((await post(backend, '/v1/chat/completions', chat, { 'x-mock-fault': 'status:429' })).status).toBe(429);
    expect((await post(backend, '/v1/chat/completions', chat, { 'x-mock-fault': 'bogus' })).status).toBe(400);
  });

  it('close drops the connection without an answer', async () => {
    const backend = await mock({ fault: 'close' });
    await expect(fetch(`${backend.url}/v1/models`)).rejects.toThrow();
    expect(backend.requestCount).toBe(1);
  });

  it('hang never answers, and a stop releases the request', async () => {
    const backend = await mock({ fault: 'hang' });
    const pending = fetch(`${backend.url}/v1/models`);
    await new Promise<void>((resolve) => backend.events.once('request', () => resolve()));
    await backend.stop();
    await expect(pending).rejects.toThrow();
  });

  it('die-mid-stream sends part of a stream and then destroys the socket', async () => {
    const backend = await mock({ tokens: 10, fault: 'die-mid-stream' });
    const response = await post(backend, '/v1/chat/completions', { ...chat, stream: true });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    const closed = await backend.waitForStreamClosed({ reason: 'fault' });
    // 10 tokens + finish + [DONE] = 12 frames; half of them made it.
    expect(closed.framesWritten).toBe(6);
  });

  it('die-mid-stream truncates a whole JSON answer below its promised length', async () => {
    const backend = await mock({ fault: 'die-mid-stream' });
    await expect((await post(backend, '/v1/chat/completions', chat)).json()).rejects.toThrow();
  });

  it('slow-headers delays the answer but still gives it whole', async () => {
    const backend = await mock({ flavour: 'ollama', tokens: 1, fault: 'slow-headers:30' });
    const reply = (await (await post(backend, '/api/chat', { ...chat, stream: false })).json()) as { done: boolean };
    expect(reply.done).toBe(true);
  });

  it('garbage answers 200 with bytes no JSON parser accepts', async () => {
    const backend = await mock({ fault: 'garbage' });
    const response = await fetch(`${backend.url}/v1/models`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    await expect(response.json()).rejects.toThrow();
  });

  it('huge streams exactly the bytes asked for', async () => {
    const backend = await mock();
    const response = await post(backend, '/v1/chat/completions', chat, { 'x-mock-fault': `huge:${100_000}` });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect((await response.arrayBuffer()).byteLength).toBe(100_000);
    expect(backend.bytesStreamed).toBe(100_000);
  });

  it('huge waits for a client that does not read instead of buffering the whole body', async () => {
    const backend = await mock({ fault: 'huge:67108864' });
    const firstChunk = await new Promise<Buffer>((resolve, reject) => {
      const req = request(`${backend.url}/v1/models`, (res) => {
        // The mock's close at the end of the test cuts this body off; that is expected.
        res.on('error', () => {});
        res.once('data', (chunk: Buffer) => {
          res.pause();
          resolve(chunk);
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(firstChunk.length).toBeGreaterThan(0);
    // Give the mock every chance to run ahead; with backpressure it stalls at the socket buffers.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(backend.bytesStreamed).toBeLessThan(16 * 1024 * 1024);
    expect(backend.activeStreams).toBe(1);
  });
});
