import { afterEach, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';
import { jsonOf, sendRaw } from './raw-http.js';

/** Issue 7, limits end to end: body and header sizes, per-IP rate limits, trusted proxies, CORS. */

const MODEL = 'llama3.2:3b';
const CHAT = '/olla/proxy/v1/chat/completions';
const BODY_LIMIT = 1024;

function chatBody(padding = 0): string {
  return JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `hi${'.'.repeat(padding)}` }] });
}

describe('Olla protecting itself', () => {
  let mock: MockBackend | undefined;
  let olla: RunningOlla | undefined;

  afterEach(async () => {
    await olla?.close();
    olla = undefined;
    await mock?.close();
    mock = undefined;
  });

  async function start(overrides: Record<string, unknown>): Promise<RunningOlla> {
    mock = await startMockBackend({ name: 'node-a', flavour: 'openai', models: [MODEL] });
    olla = await startOlla([{ name: 'node-a', url: mock.url, type: 'openai-compatible' }], overrides);
    await waitForHealthy(olla, ['node-a'], { models: [MODEL] });
    return olla;
  }

  describe('request sizes', () => {
    const LIMITS = { server: { request_limits: { max_body_size: BODY_LIMIT, max_header_size: 8192 } } };

    it('proxies a body just under the limit', async () => {
      const running = await start(LIMITS);
      const body = chatBody(BODY_LIMIT - chatBody().length);
      expect(Buffer.byteLength(body)).toBe(BODY_LIMIT);
      const response = await fetch(`${running.url}${CHAT}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    });

    it('reads max_body_size: 0 as no limit, as the original does, rather than refusing to start', async () => {
      const running = await start({ server: { request_limits: { max_body_size: 0 } } });
      for (const chunked of [false, true]) {
        const body = chatBody(256 * 1024);
        const response = await fetch(`${running.url}${CHAT}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // A stream has no declared length, so it goes chunked and is counted as it arrives.
          body: chunked ? new Blob([body]).stream() : body,
          ...(chunked ? { duplex: 'half' } : {}),
        } as RequestInit);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    });

    it('answers 413 to a declared oversized body before the client has sent it, and closes the connection', async () => {
      const running = await start(LIMITS);
      const declared = 50 * 1024 * 1024;
      // Only the head and the first 100 bytes go out; the answer must come without the rest.
      const { response } = await sendRaw(running.url, [
        `POST ${CHAT} HTTP/1.1\r\nHost: olla\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
        chatBody().slice(0, 100),
      ]);
      expect(response?.status).toBe(413);
      expect(response?.headers['content-type']).toMatch(/^application\/json/);
      expect(response?.headers.connection).toBe('close');
      expect(jsonOf(response)).toMatchObject({ code: expect.any(String), status: 413, limit: BODY_LIMIT });
      expect(mock!.requests.some((r) => r.path === '/v1/chat/completions')).toBe(false);
    });

    it('answers 413 to a chunked body once it grows past the limit', async () => {
      const running = await start(LIMITS);
      const chunk = 'x'.repeat(512);
      const framed = `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
      // Four chunks (2 KiB) without the terminating zero chunk: Olla must stop counting at 1 KiB.
      const { response } = await sendRaw(running.url, [
        `POST ${CHAT} HTTP/1.1\r\nHost: olla\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
        framed,
        framed,
        framed,
        framed,
      ]);
      expect(response?.status).toBe(413);
      expect(jsonOf(response)).toMatchObject({ status: 413 });
      expect(mock!.requests.some((r) => r.path === '/v1/chat/completions')).toBe(false);
    });

    it('answers 431 in JSON to headers over max_header_size', async () => {
      const running = await start(LIMITS);
      const response = await fetch(`${running.url}/olla/models`, { headers: { 'x-padding': 'p'.repeat(10_000) } });
      expect(response.status).toBe(431);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({ status: 431, limit: 8192 });
    });

    it('answers 431 in JSON even when the headers overflow the HTTP parser itself', async () => {
      const running = await start(LIMITS);
      const { response, closed } = await sendRaw(running.url, [
        `GET /olla/models HTTP/1.1\r\nHost: olla\r\nX-Padding: ${'p'.repeat(64 * 1024)}\r\n\r\n`,
      ]);
      expect(response?.status).toBe(431);
      expect(jsonOf(response)).toMatchObject({ status: 431 });
      expect(closed || response?.headers.connection === 'close').toBe(true);
    });
  });

  describe('per-IP rate limits', () => {
    const LIMITED = { per_ip_requests_per_minute: 5, burst_size: 5 };

    async function chatFrom(running: RunningOlla, forwardedFor: string): Promise<Response> {
      const response = await fetch(`${running.url}${CHAT}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: chatBody(),
      });
      await response.arrayBuffer();
      return response;
    }

    it('refuses a burst over the per-IP limit with 429 and Retry-After, leaving another client unaffected', async () => {
      const running = await start({
        server: {
          rate_limits: { ...LIMITED, trust_proxy_headers: true, trusted_proxy_cidrs: ['127.0.0.0/8'] },
        },
      });
      const first: Response[] = [];
      for (let i = 0; i < 5; i++) first.push(await chatFrom(running, '203.0.113.7'));
      expect(first.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(first.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0']);
      expect(first.every((r) => r.headers.get('x-ratelimit-limit') === '5')).toBe(true);

      const refused = await fetch(`${running.url}${CHAT}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
        body: chatBody(),
      });
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect(refused.headers.get('x-ratelimit-limit')).toBe('5');
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await refused.json()).toMatchObject({ status: 429 });

      // Another client, as the trusted proxy reports it, has a bucket of its own.
      const other = await chatFrom(running, '198.51.100.9');
      expect(other.status).toBe(200);
      expect(other.headers.get('x-ratelimit-remaining')).toBe('4');
      // Only proxy routes are limited, as in the original: health and the catalogue stay open.
      expect(
        (await fetch(`${running.url}/internal/health`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status,
      ).toBe(200);
      expect(mock!.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(6);
    });

    it.each([
      ['proxy headers are not trusted', { trust_proxy_headers: false }],
      ['the peer is not a trusted proxy', { trust_proxy_headers: true, trusted_proxy_cidrs: ['10.0.0.0/8'] }],
    ])('ignores a spoofed X-Forwarded-For when %s: every "client" shares one bucket', async (_, trust) => {
      const running = await start({ server: { rate_limits: { ...LIMITED, ...trust } } });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await chatFrom(running, `203.0.113.${i + 1}`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    });
  });

  describe('CORS', () => {
    const ORIGIN = 'https://chat.example.com';

    it('answers a preflight and marks simple responses when server.cors is enabled', async () => {
      const running = await start({
        server: { cors: { enabled: true, allowed_origins: [ORIGIN], allowed_methods: ['GET', 'POST'], max_age: 600 } },
      });
      const preflight = await fetch(`${running.url}${CHAT}`, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, x-olla-session-id',
        },
      });
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-olla-session-id');
      expect(preflight.headers.get('access-control-max-age')).toBe('600');
      // The preflight never reaches a backend.
      expect(mock!.requests.some((r) => r.method === 'OPTIONS')).toBe(false);

      const simple = await fetch(`${running.url}${CHAT}`, {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'application/json' },
        body: chatBody(),
      });
      expect(simple.status).toBe(200);
      expect(simple.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(simple.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-olla-endpoint');
      await simple.arrayBuffer();

      const stranger = await fetch(`${running.url}/olla/models`, { headers: { origin: 'https://evil.example' } });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
      await stranger.arrayBuffer();
    });

    it('sends no CORS headers when server.cors is disabled', async () => {
      const running = await start({});
      const preflight = await fetch(`${running.url}/olla/models`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'GET' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
      await preflight.arrayBuffer();
      const simple = await fetch(`${running.url}/olla/models`, { headers: { origin: ORIGIN } });
      expect(simple.status).toBe(200);
      expect([...simple.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
      await simple.arrayBuffer();
    });
  });
});
