import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { viaNaming } from '../core/forwarding-loop.js';
import { createLogger } from '../logger/logger.js';
import { ForwardingLoopGuard } from './forwarding-loop-guard.js';

const TOKEN = 'olla-0123456789abcdef';

interface ErrorBody {
  code?: string;
  type?: string;
  error?: { code?: string; type?: string };
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server that answers 200 "passed" to whatever the guard lets through; returns its URL and log. */
async function guarded(): Promise<{ url: string; log: string[] }> {
  const log: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      log.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'info', format: 'json' }, { destination: sink, pretty: false });
  const guard = new ForwardingLoopGuard(TOKEN, logger);
  const server = createServer((req, res) => {
    if (!guard.refused(req, res)) res.end('passed');
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log };
}

describe('ForwardingLoopGuard', () => {
  it('answers 508 to a request whose Via names this instance, in the dialect of its route', async () => {
    const { url, log } = await guarded();
    const via = `1.1 edge, ${viaNaming('1.1 olla/0.1.0', TOKEN)}, 1.1 olla/0.1.0 (olla-ffffffffffffffff)`;
    // Olla's own shape, OpenAI's and Anthropic's, each as its clients parse it.
    const cases: [string, (body: ErrorBody) => unknown, unknown][] = [
      ['/olla/proxy/v1/chat/completions', (body) => body.code, 'OLLA_ERR_FORWARDING_LOOP'],
      ['/olla/openai/v1/chat/completions', (body) => body.error?.code, 'OLLA_ERR_FORWARDING_LOOP'],
      ['/olla/anthropic/v1/messages', (body) => [body.type, body.error?.type], ['error', 'api_error']],
    ];
    for (const [path, code, expected] of cases) {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers: { via }, body: '{"model":"m"}' });
      expect(response.status).toBe(508);
      expect(response.headers.get('x-olla-forwarding-loop')).toBe(TOKEN);
      const text = await response.text();
      expect(code(JSON.parse(text) as ErrorBody)).toEqual(expected);
      expect(text).toContain('already passed through this Olla');
    }
    expect(log.join('')).toContain('forwarding loop: a request came back to this Olla');
  });

  it('lets through requests without a Via, or whose Via names only other proxies and Ollas', async () => {
    const { url } = await guarded();
    for (const via of [undefined, '1.1 edge', '1.1 olla/0.1.0', '1.1 olla/0.1.0 (olla-ffffffffffffffff)']) {
      const response = await fetch(`${url}/olla/proxy/v1/models`, { headers: via === undefined ? {} : { via } });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('passed');
    }
  });
});
