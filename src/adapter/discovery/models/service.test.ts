import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ModelDiscoveryConfig } from '../../../config/types.js';
import { fakeEndpoint } from '../../../core/domain/endpoint.fixture.js';
import { type Endpoint, isRoutable } from '../../../core/domain/endpoint.js';
import type { PlatformProfile } from '../../../core/domain/profile.js';
import type { EndpointRepository } from '../../../core/ports/endpoints.js';
import { ModelCatalogue } from '../../registry/model-catalogue.js';
import { ModelRouter } from '../../registry/model-router.js';
import { ModelDiscoveryService } from './service.js';

interface FakeBackend {
  server: Server;
  url: string;
  models: string[];
  status: number;
  raw?: string;
  seenHeaders: IncomingHttpHeaders[];
}

const servers: Server[] = [];
const services: ModelDiscoveryService[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function ollamaBackend(models: string[]): Promise<FakeBackend> {
  const backend: FakeBackend = { models, status: 200, seenHeaders: [] } as unknown as FakeBackend;
  backend.server = createServer((req, res) => {
    backend.seenHeaders.push(req.headers);
    res.writeHead(backend.status, { 'content-type': 'application/json' });
    res.end(backend.raw ?? JSON.stringify({ models: backend.models.map((name) => ({ name, size: 1 })) }));
  });
  servers.push(backend.server);
  await new Promise<void>((r) => backend.server.listen(0, '127.0.0.1', r));
  backend.url = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}`;
  return backend;
}

function endpointFor(name: string, backend: FakeBackend, extra: Partial<Endpoint> = {}): Endpoint {
  return fakeEndpoint({ name, url: backend.url, ...extra });
}

function repository(endpoints: Endpoint[]): EndpointRepository {
  return {
    all: () => endpoints,
    routable: () => endpoints.filter((e) => isRoutable(e.status)),
    get: (name) => endpoints.find((e) => e.name === name),
    routableOfTypes: () => endpoints,
  };
}

const ollamaProfile = {
  request: { responseFormat: 'ollama' },
  models: { nameFormat: '', capabilityPatterns: { vision: ['*llava*'] }, contextPatterns: [] },
} as unknown as PlatformProfile;

const config = (overrides: Partial<ModelDiscoveryConfig> = {}): ModelDiscoveryConfig => ({
  enabled: true,
  interval: 20,
  timeout: 2000,
  concurrentWorkers: 2,
  retryAttempts: 0,
  retryBackoff: 5,
  ...overrides,
});

function setUp(endpoints: Endpoint[], overrides: Partial<ModelDiscoveryConfig> = {}, logger = silent()) {
  const catalogue = new ModelCatalogue({ enableUnifier: true, staleThresholdMs: 60_000, cleanupIntervalMs: 0 });
  const service = new ModelDiscoveryService({
    config: config(overrides),
    endpoints: repository(endpoints),
    sink: catalogue,
    profileFor: (type) => (type === 'ollama' ? ollamaProfile : undefined),
    endpointFilters: new Map([['filtered', { include: [], exclude: ['*embed*'] }]]),
    logger,
  });
  services.push(service);
  const router = new ModelRouter({
    catalogue,
    strategy: {
      type: 'strict',
      options: { fallbackBehavior: 'none', discoveryTimeout: 1000, discoveryRefreshOnMiss: false },
    },
  });
  return { catalogue, service, router };
}

function silent() {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn() };
}

describe('ModelDiscoveryService', () => {
  it('discovers models with the endpoint headers and auth, and annotates them from the profile', async () => {
    const backend = await ollamaBackend(['llava:7b', 'llama3:8b']);
    const ep = endpointFor('one', backend, {
      headers: { 'x-team': 'blue' },
      authHeader: { name: 'authorization', value: 'Bearer s3cret' },
    });
    const { catalogue, service } = setUp([ep]);
    await service.refresh();
    expect(catalogue.modelsFor('one').map((m) => m.name)).toEqual(['llava:7b', 'llama3:8b']);
    expect(catalogue.modelsFor('one')[0]?.capabilities).toEqual(['vision']);
    expect(backend.seenHeaders[0]).toMatchObject({ 'x-team': 'blue', authorization: 'Bearer s3cret' });
  });

  it('applies the endpoint model filter at discovery time', async () => {
    const backend = await ollamaBackend(['nomic-embed-text', 'llama3:8b']);
    const { catalogue, service } = setUp([endpointFor('filtered', backend)]);
    await service.refresh('filtered');
    expect(catalogue.modelsFor('filtered').map((m) => m.name)).toEqual(['llama3:8b']);
  });

  it('picks up a newly pulled model on the next interval', async () => {
    const backend = await ollamaBackend(['llama3:8b']);
    const ep = endpointFor('one', backend);
    const { router, service } = setUp([ep]);
    service.start();
    await vi.waitFor(async () => expect((await router.route('llama3:8b', [ep])).endpoints).toHaveLength(1));
    backend.models.push('phi3');
    await vi.waitFor(async () => expect((await router.route('phi3', [ep])).endpoints).toEqual([ep]));
  });

  it('takes an endpoint that went offline out of routing and brings it back when it recovers', async () => {
    const backend = await ollamaBackend(['phi3']);
    const ep = endpointFor('one', backend);
    const { catalogue, router, service } = setUp([ep]);
    await service.refresh();
    await new Promise<void>((r) => backend.server.close(() => r()));

    ep.status = 'offline';
    service.handleTransition({ endpoint: ep, from: 'healthy', to: 'offline' });
    const routable = [ep].filter((e) => isRoutable(e.status));
    const result = await router.route('phi3', routable);
    expect(result.endpoints).toEqual([]);
    expect(result.decision?.reason).toBe('model_unavailable');
    expect(catalogue.unified()[0]?.sourceEndpoints[0]?.state).toBe('offline');

    ep.status = 'healthy';
    service.handleTransition({ endpoint: ep, from: 'offline', to: 'healthy' });
    expect(catalogue.unified()[0]?.sourceEndpoints[0]?.state).toBe('available');
  });

  it('keeps the last good models and logs a failure once per change of state', async () => {
    const good = await ollamaBackend(['llama3:8b']);
    const bad = await ollamaBackend(['phi3']);
    const logger = silent();
    const { catalogue, service } = setUp([endpointFor('good', good), endpointFor('bad', bad)], {}, logger);
    await service.refresh();
    bad.raw = '<html>oops</html>';
    good.models.push('qwen2.5:7b');
    await service.refresh();
    await service.refresh();
    expect(catalogue.modelsFor('bad').map((m) => m.name)).toEqual(['phi3']);
    expect(catalogue.modelsFor('good').map((m) => m.name)).toEqual(['llama3:8b', 'qwen2.5:7b']);
    const failures = logger.warn.mock.calls.filter(([, msg]) => String(msg).includes('failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.[0]).toMatchObject({ endpoint: 'bad', reason: 'response is not JSON' });

    bad.raw = undefined;
    await service.refresh();
    expect(
      logger.info.mock.calls.some(
        ([f, msg]) => (f as { endpoint: string }).endpoint === 'bad' && msg === 'Model discovery recovered',
      ),
    ).toBe(true);
  });

  it('reports a partial list once and keeps the readable entries', async () => {
    const backend = await ollamaBackend([]);
    backend.raw = JSON.stringify({ models: [{ name: 'ok' }, { nope: true }, 7] });
    const logger = silent();
    const { catalogue, service } = setUp([endpointFor('one', backend)], {}, logger);
    await service.refresh();
    await service.refresh();
    expect(catalogue.modelsFor('one').map((m) => m.name)).toEqual(['ok']);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toMatchObject({ skipped: 2 });
  });

  it('retries a 5xx with backoff before giving up', async () => {
    const backend = await ollamaBackend(['phi3']);
    let calls = 0;
    backend.server.removeAllListeners('request');
    backend.server.on('request', (_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: [{ name: 'phi3' }] }));
    });
    const { catalogue, service } = setUp([endpointFor('one', backend)], { retryAttempts: 2 });
    await service.refresh();
    expect(calls).toBe(2);
    expect(catalogue.modelsFor('one')).toHaveLength(1);
  });

  it('does nothing when model discovery is disabled', async () => {
    const backend = await ollamaBackend(['phi3']);
    const { catalogue, service } = setUp([endpointFor('one', backend)], { enabled: false });
    service.start();
    await service.refresh();
    expect(catalogue.modelsFor('one')).toEqual([]);
    expect(backend.seenHeaders).toEqual([]);
  });
});
