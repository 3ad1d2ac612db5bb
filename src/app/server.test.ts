import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/parse.js';
import { createLogger } from '../logger/logger.js';
import { createHttpServer, nodeServerTimeouts } from './server.js';

const quiet = createLogger(
  { level: 'error', format: 'json' },
  { destination: new Writable({ write: (_c, _e, done) => done() }) },
);

describe('the HTTP server', () => {
  // The compilers load lazily (Olla's routes declare none); a route that declares one still gets both.
  it('validates and serialises a route that declares schemas, with fastify’s own compilers', async () => {
    const app = createHttpServer(defaultConfig().server, quiet);
    app.post(
      '/schema',
      {
        schema: {
          body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          response: { 200: { type: 'object', properties: { doubled: { type: 'integer' } } } },
        },
      },
      async (request) => ({ doubled: (request.body as { n: number }).n * 2, dropped: 'not in the schema' }),
    );
    const ok = await app.inject({ method: 'POST', url: '/schema', payload: { n: 21 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ doubled: 42 });
    const bad = await app.inject({ method: 'POST', url: '/schema', payload: { n: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/integer/);
    await app.close();
  });
});

describe('nodeServerTimeouts', () => {
  const timeouts = (readTimeout: number, readHeaderTimeout: number) =>
    nodeServerTimeouts({ readTimeout, readHeaderTimeout, idleTimeout: 0 });

  it('gives an unset header timeout the read timeout, as Go does', () => {
    expect(timeouts(30_000, 0)).toMatchObject({ headersTimeout: 30_000, requestTimeout: 30_000 });
    expect(timeouts(0, 0)).toMatchObject({ headersTimeout: 60_000, requestTimeout: 0 });
    expect(timeouts(0, 5_000)).toMatchObject({ headersTimeout: 5_000, requestTimeout: 0 });
  });

  it('never asks Node for a header timeout past the request timeout, which Node refuses', () => {
    for (const [read, header] of [
      [30_000, 0],
      [30_000, 90_000],
      [1_000, 10_000],
      [30_000, 10_000],
    ] as const) {
      const options = timeouts(read, header);
      expect(options.headersTimeout).toBeLessThanOrEqual(options.requestTimeout);
      // Node itself is the judge: it throws ERR_OUT_OF_RANGE on a pair it refuses.
      createServer(options).close();
    }
  });
});
