import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';
import { jsonOf, sendRaw } from './raw-http.js';

/**
 * Issue 21: a path whose segments are `.` or `..` once percent-decoded (any case, `/` or `\`
 * encoded as separators, encoded twice) is refused with a JSON 400 on every route, before routing,
 * and never reaches a backend. Sent over a raw socket: fetch would resolve plain dots itself.
 */

const MODEL = 'llama3.2:3b';

const TRAVERSALS = [
  '/olla/proxy/v1/%2e%2e%2f%2e%2e%2fetc/passwd',
  '/olla/proxy/v1/..%2F..%2Fetc/passwd',
  '/olla/proxy/v1/..%5C..%5Cetc%5Cpasswd',
  '/olla/proxy/v1/%2E%2e/%2e%2E/etc/passwd',
  '/olla/proxy/v1/%252e%252e%252fetc/passwd',
  '/olla/proxy/%2e/v1/chat/completions',
  '/olla/proxy/v1/chat/completions/..',
  '/olla/openai/v1/%2e%2e%2f%2e%2e%2finternal/status',
  '/olla/ollama/api/%2e%2e%5capi%5ctags',
  '/olla/anthropic/v1/%2e%2e/messages',
  '/olla/models/%2e%2e%2f%2e%2e%2finternal%2fstatus',
  '/internal/%2e%2e/olla/proxy/v1/models',
];

describe('percent-encoded traversal', () => {
  let mock: MockBackend;
  let olla: RunningOlla;
  // Olla's own health probes, model discovery and residency polls are not forwarded requests.
  const ownPolls = new Set(['/api/tags', '/api/ps']);
  const forwarded = () => mock.requests.filter((r) => r.path !== mock.healthPath && !ownPolls.has(r.path));

  beforeAll(async () => {
    mock = await startMockBackend({ name: 'ollama-1', flavour: 'ollama', models: [MODEL] });
    olla = await startOlla([{ name: 'ollama-1', url: mock.url, type: 'ollama' }]);
    await waitForHealthy(olla, ['ollama-1'], { models: [MODEL] });
    mock.clear();
  });

  afterAll(async () => {
    await olla?.close();
    await mock?.close();
  });

  it.each(TRAVERSALS)('refuses %s with a JSON 400 and forwards nothing', async (target) => {
    for (const method of ['GET', 'POST']) {
      const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
      const { response } = await sendRaw(olla.url, [
        `${method} ${target}?stream=false HTTP/1.1\r\nHost: olla\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      ]);
      expect(response?.status, `${method} ${target}`).toBe(400);
      expect(response?.headers['content-type']).toMatch(/^application\/json/);
      const error = jsonOf(response);
      const message = JSON.stringify(error);
      expect(message).toContain("'.' or '..' segments");
      if (target.startsWith('/olla/anthropic/')) expect(error).toMatchObject({ type: 'error' });
      else if (target.startsWith('/olla/openai/')) expect(error).toMatchObject({ error: { type: expect.any(String) } });
      else expect(error).toMatchObject({ code: 'OLLA_ERR_BAD_REQUEST', status: 400 });
    }
    expect(forwarded()).toEqual([]);
  });

  it('still serves paths with dots inside their names', async () => {
    mock.clear();
    const detail = await fetch(`${olla.url}/olla/models/${MODEL}`);
    expect(detail.status).toBe(200);
    await detail.arrayBuffer();
    const chat = await fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    await chat.arrayBuffer();
    expect(forwarded().map((r) => r.path)).toEqual(['/v1/chat/completions']);
  });
});
