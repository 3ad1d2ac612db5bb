import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';

/**
 * Stopping Olla drains: a request already in flight completes, and one that arrives on a busy
 * keep-alive connection after the stop began is refused with a JSON 503 and Connection: close,
 * so a load balancer in front retries it elsewhere. The proxy routes run on the raw lane in front
 * of fastify, so this is that lane's refusal, in the route's dialect, never forwarded.
 */

const MODEL = 'llama3.2:3b';
const CHAT = '/olla/proxy/v1/chat/completions';

function post(body: string): string {
  return `POST ${CHAT} HTTP/1.1\r\nHost: olla\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe('shutting down', () => {
  let mock: MockBackend;
  let olla: RunningOlla;

  beforeAll(async () => {
    mock = await startMockBackend({ name: 'ollama-1', flavour: 'ollama', models: [MODEL] });
    olla = await startOlla([{ name: 'ollama-1', url: mock.url, type: 'ollama' }]);
    await waitForHealthy(olla, ['ollama-1'], { models: [MODEL] });
  });

  afterAll(async () => {
    await olla?.close();
    await mock?.close();
  });

  it('finishes the request in flight and refuses the next on that connection with a JSON 503', async () => {
    // Twenty tokens 25 ms apart: the first answer is still streaming when the stop begins.
    mock.setTokens(20, 25);
    mock.clear();
    const url = new URL(olla.url);
    const socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = once(socket, 'close');

    socket.write(post(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true })));
    await once(socket, 'data');
    const stopped = olla.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(post(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'again' }] })));
    await closed;
    await stopped;

    const text = Buffer.concat(received).toString('latin1');
    expect(text.startsWith('HTTP/1.1 200')).toBe(true);
    // The first answer ran to its end (the SSE stream's last event) before the refusal.
    const refusalAt = text.indexOf('HTTP/1.1 503');
    expect(refusalAt).toBeGreaterThan(0);
    expect(text.slice(0, refusalAt)).toContain('[DONE]');
    const refusal = text.slice(refusalAt);
    expect(refusal.toLowerCase()).toContain('connection: close');
    const body = JSON.parse(refusal.slice(refusal.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'OLLA_ERR_SHUTTING_DOWN', status: 503 });
    // Only the first request reached the backend.
    expect(mock.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
  });
});
