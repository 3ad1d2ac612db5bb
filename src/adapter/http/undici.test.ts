import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as undici from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, Pool, request } from './undici.js';

describe('undici, required in parts', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    server = createServer((req, res) => res.end(JSON.stringify({ method: req.method, url: req.url })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is the very Pool and Agent that undici’s index exports', () => {
    expect(Pool).toBe(undici.Pool);
    expect(Agent).toBe(undici.Agent);
  });

  it('requests a URL with its path and query, on the dispatcher given or the global one', async () => {
    const agent = new Agent();
    const given = await request(`${origin}/v1/models?x=1`, { method: 'GET', dispatcher: agent });
    expect(given.statusCode).toBe(200);
    expect(await given.body.json()).toEqual({ method: 'GET', url: '/v1/models?x=1' });
    const global = await request(`${origin}/health`, { method: 'HEAD' });
    expect(global.statusCode).toBe(200);
    await global.body.dump();
    await agent.close();
  });

  it('gives a Pool the request API', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const response = await pool.request({ path: '/p', method: 'GET' });
    expect(await response.body.json()).toEqual({ method: 'GET', url: '/p' });
    await pool.close();
  });
});
