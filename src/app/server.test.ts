import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/parse.js';
import { createLogger } from '../logger/logger.js';
import { createHttpServer } from './server.js';

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
