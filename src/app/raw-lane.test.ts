import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { RawLane, ROUTER_OPTIONS } from './raw-lane.js';

/** A lane in front of a fastify app with a model listing under the proxy prefix, as Olla has. */
async function laneWithRoutes() {
  const lane = new RawLane();
  const app = Fastify({ routerOptions: { ...ROUTER_OPTIONS } });
  lane.follow(app);
  const served: string[] = [];
  lane.mount('/olla/proxy/*', (req) => served.push(`${req.method} ${req.url}`));
  app.get('/olla/proxy/v1/models', () => 'listing');
  app.get('/internal/health', () => 'ok');
  // The raw route's fastify twin is not mirrored: on a socket the raw route answers.
  app.all('/olla/proxy/*', () => 'twin');
  await app.ready();
  const dispatch = (method: string, url: string) =>
    lane.dispatch({ method, url } as IncomingMessage, {} as ServerResponse);
  return { lane, app, served, dispatch };
}

describe('RawLane', () => {
  it('serves what its routes match and leaves fastify the routes fastify would pick first', async () => {
    const { app, served, dispatch } = await laneWithRoutes();
    expect(dispatch('POST', '/olla/proxy/v1/chat/completions')).toBe(true);
    expect(dispatch('GET', '/olla/proxy/api/tags?verbose=1')).toBe(true);
    // Only GET (and the HEAD fastify adds) is the listing; a POST there is the proxy's.
    expect(dispatch('POST', '/olla/proxy/v1/models')).toBe(true);
    expect(served).toEqual([
      'POST /olla/proxy/v1/chat/completions',
      'GET /olla/proxy/api/tags?verbose=1',
      'POST /olla/proxy/v1/models',
    ]);
    expect(dispatch('GET', '/olla/proxy/v1/models')).toBe(false);
    expect(dispatch('HEAD', '/olla/proxy/v1/models')).toBe(false);
    // The router options are fastify's: a trailing slash or a query string still finds the listing.
    expect(dispatch('GET', '/olla/proxy/v1/models/')).toBe(false);
    expect(dispatch('GET', '/olla/proxy/v1/models?x=1')).toBe(false);
    expect(dispatch('GET', '/internal/health')).toBe(false);
    expect(dispatch('GET', '/nowhere')).toBe(false);
    // Methods fastify's all() leaves out stay fastify's (its 404).
    expect(dispatch('PROPFIND', '/olla/proxy/x')).toBe(false);
    await app.close();
  });

  it('answers a percent-encoded path as fastify would route it', async () => {
    const { app, dispatch } = await laneWithRoutes();
    expect(dispatch('GET', '/olla/proxy/v1/%6Dodels')).toBe(false);
    expect(dispatch('GET', '/olla/%70roxy/api/tags')).toBe(true);
    await app.close();
  });

  it('knows when fastify starts closing', async () => {
    const { lane, app } = await laneWithRoutes();
    expect(lane.closing).toBe(false);
    await app.close();
    expect(lane.closing).toBe(true);
  });
});
