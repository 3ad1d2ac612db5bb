import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { refusedUrl } from '../../../test/helpers/ports.js';
import { fakeEndpoint } from '../../core/domain/endpoint.fixture.js';
import type { Endpoint } from '../../core/domain/endpoint.js';
import type { HealthTransition } from '../../core/ports/endpoints.js';
import { HttpHealthChecker, type HttpHealthCheckerOptions } from './checker.js';
import { BREAKER_FAILURE_THRESHOLD, CircuitBreakerRegistry } from './circuit-breaker.js';

interface TestServer {
  url: string;
  hits: number;
  headers: IncomingHttpHeaders[];
  /** Requests whose client went away before an answer was sent. */
  abandoned: number;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const state: TestServer = { url: '', hits: 0, headers: [], abandoned: 0 };
  const server = createServer((req, res) => {
    state.hits++;
    state.headers.push(req.headers);
    res.on('close', () => {
      if (!res.writableFinished) state.abandoned++;
    });
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return state;
}

function answer(status: number, headers: Record<string, string> = {}) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, headers).end('ok');
  };
}

const endpointAt = (url: string, overrides: Partial<Endpoint> = {}): Endpoint =>
  fakeEndpoint({
    name: 'node-1',
    url,
    healthCheckUrl: `${url}/health`,
    checkTimeout: 1000,
    status: 'unknown',
    ...overrides,
  });

function checkerFor(endpoints: Endpoint[], options: Partial<HttpHealthCheckerOptions> = {}) {
  const breakers = options.breakers ?? new CircuitBreakerRegistry();
  const checker = new HttpHealthChecker(endpoints, { initialDelayMs: 0, breakers, ...options });
  const transitions: HealthTransition[] = [];
  checker.onTransition((t) => transitions.push(t));
  cleanups.push(() => checker.stop());
  return { checker, breakers, transitions };
}

/** Resolves on the first transition of `endpoint` to `status`. */
function nextTransitionTo(checker: HttpHealthChecker, status: string): Promise<HealthTransition> {
  return new Promise((resolve) => {
    const off = checker.onTransition((t) => {
      if (t.to !== status) return;
      off();
      resolve(t);
    });
  });
}

describe('HttpHealthChecker classifies a probe', () => {
  it('marks a node answering 200 healthy and records when and how fast', async () => {
    const server = await serve(answer(200));
    const endpoint = endpointAt(server.url);
    const now = 1_700_000_000_000;
    let changes = 0;
    const { checker, transitions } = checkerFor([endpoint], { now: () => now, onStatusChanged: () => changes++ });
    await checker.checkAll();
    expect(endpoint).toMatchObject({
      status: 'healthy',
      lastChecked: now,
      consecutiveFailures: 0,
      backoffMultiplier: 1,
      nextCheckTime: now + 5000,
    });
    expect(endpoint.lastLatencyMs).toBeGreaterThanOrEqual(0);
    expect(transitions).toEqual([{ endpoint, from: 'unknown', to: 'healthy', error: undefined }]);
    expect(changes).toBe(1);
  });

  it('marks a node refusing connections offline', async () => {
    const endpoint = endpointAt(await refusedUrl());
    const { checker, transitions } = checkerFor([endpoint]);
    await checker.checkAll();
    expect(endpoint.status).toBe('offline');
    expect(endpoint.consecutiveFailures).toBe(1);
    expect(transitions[0]?.error).toMatch(/ECONNREFUSED|connect/i);
    expect(endpoint.lastError).toBe(transitions[0]?.error);
  });

  it('keeps why the last probe failed until a probe comes back healthy', async () => {
    let code = 503;
    const server = await serve((_req, res) => {
      res.statusCode = code;
      res.end();
    });
    const endpoint = endpointAt(server.url);
    const { checker } = checkerFor([endpoint]);
    await checker.checkAll();
    expect(endpoint.lastError).toBe('health check answered HTTP 503');
    // Still failing, now differently: the newest reason is the one shown.
    code = 500;
    await checker.checkAll();
    expect(endpoint.lastError).toBe('health check answered HTTP 500');
    code = 200;
    await checker.checkAll();
    expect(endpoint.status).toBe('healthy');
    expect(endpoint.lastError).toBeUndefined();
  });

  // A 508 that names no Olla is a backend's own, unhealthy as any other 5xx.
  it.each([500, 508])('marks a node answering %i unhealthy', async (code) => {
    const endpoint = endpointAt((await serve(answer(code))).url);
    const { checker, transitions } = checkerFor([endpoint]);
    await checker.checkAll();
    expect(endpoint.status).toBe('unhealthy');
    expect(transitions[0]?.error).toBe(`health check answered HTTP ${code}`);
  });

  it.each([401, 403])('marks a node answering %i as a config error without tripping its breaker', async (code) => {
    const endpoint = endpointAt((await serve(answer(code))).url);
    const { checker, breakers } = checkerFor([endpoint]);
    for (let i = 0; i < BREAKER_FAILURE_THRESHOLD + 1; i++) await checker.checkAll();
    expect(endpoint.status).toBe('config_error');
    expect(breakers.state(endpoint.name)).toBe('closed');
  });

  it('marks a node its probe loops back from (a 508 naming an Olla) a config error, saying why', async () => {
    const server = await serve(answer(508, { 'x-olla-forwarding-loop': 'olla-0123456789abcdef' }));
    const endpoint = endpointAt(server.url);
    const via = '1.1 olla/v9 (olla-0123456789abcdef)';
    const { checker, breakers, transitions } = checkerFor([endpoint], { via });
    for (let i = 0; i < BREAKER_FAILURE_THRESHOLD + 1; i++) await checker.checkAll();
    expect(server.headers[0]?.via).toBe(via);
    expect(endpoint.status).toBe('config_error');
    expect(transitions[0]?.error).toMatch(/^forwarding loop: the health check came back to this Olla/);
    expect(endpoint.lastError).toBe(transitions[0]?.error);
    expect(breakers.state(endpoint.name)).toBe('closed');
  });

  it('marks a node answering 429 rate limited and leaves it alone until Retry-After', async () => {
    const server = await serve(answer(429, { 'retry-after': '3600' }));
    const endpoint = endpointAt(server.url, { checkInterval: 10 });
    const { checker, breakers } = checkerFor([endpoint]);
    checker.start();
    await nextTransitionTo(checker, 'rate_limited');
    // Unthrottled, a 10 ms interval would have probed again several times by now.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.hits).toBe(1);
    expect(breakers.state(endpoint.name)).toBe('closed');
  });

  it('marks a node slower than the threshold busy', async () => {
    const server = await serve((_req, res) => setTimeout(() => res.end('ok'), 60));
    const endpoint = endpointAt(server.url);
    const { checker } = checkerFor([endpoint], { slowThresholdMs: 20 });
    await checker.checkAll();
    expect(endpoint.status).toBe('busy');
    expect(endpoint.lastError).toMatch(/^health check answered HTTP 200 after \d+ ms, slower than healthy$/);
  });

  it('marks a node that does not answer within the check timeout offline and abandons the request', async () => {
    const server = await serve(() => {});
    const endpoint = endpointAt(server.url, { checkTimeout: 50 });
    const { checker, transitions } = checkerFor([endpoint]);
    await checker.checkAll();
    expect(endpoint.status).toBe('offline');
    expect(transitions[0]?.error).toBe('health check timed out after 50 ms');
    await expect.poll(() => server.abandoned).toBe(1);
  });

  it('sends the configured headers, letting the auth header win a clash', async () => {
    const server = await serve(answer(200));
    const endpoint = endpointAt(server.url, {
      headers: { 'X-Tenant': 'blue', Authorization: 'from-headers' },
      authHeader: { name: 'Authorization', value: 'Bearer secret' },
    });
    const { checker } = checkerFor([endpoint], { userAgent: 'olla-HealthChecker/test' });
    await checker.checkAll();
    expect(server.headers[0]).toMatchObject({
      'x-tenant': 'blue',
      authorization: 'Bearer secret',
      'user-agent': 'olla-HealthChecker/test',
    });
  });
});

describe('HttpHealthChecker schedules', () => {
  it('backs off on consecutive failures up to four intervals, and stops probing once the breaker trips', async () => {
    const server = await serve(answer(500));
    const endpoint = endpointAt(server.url);
    const now = 1_700_000_000_000;
    const { checker, breakers } = checkerFor([endpoint], { now: () => now });
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      await checker.checkAll();
      waits.push(endpoint.nextCheckTime - now);
    }
    expect(waits).toEqual([5000, 10_000, 20_000, 20_000, 20_000, 20_000]);
    expect(endpoint.backoffMultiplier).toBe(4);
    expect(endpoint.consecutiveFailures).toBe(6);
    expect(server.hits).toBe(BREAKER_FAILURE_THRESHOLD);
    expect(breakers.state(endpoint.name)).toBe('open');
    expect(endpoint.status).toBe('offline');
  });

  it('takes a failed node out at once on markFailed and brings it back at the next check', async () => {
    const server = await serve(answer(200));
    const endpoint = endpointAt(server.url, { checkInterval: 30 });
    const { checker, transitions } = checkerFor([endpoint]);
    await checker.checkAll();
    checker.start();
    const recovered = nextTransitionTo(checker, 'healthy');
    checker.markFailed(endpoint, 'connection refused');
    expect(endpoint.status).toBe('offline');
    expect(endpoint.consecutiveFailures).toBe(1);
    // A passive failure does not escalate the backoff: only failed probes do.
    expect(endpoint.backoffMultiplier).toBe(1);
    expect(transitions.at(-1)).toMatchObject({ from: 'healthy', to: 'offline', error: 'connection refused' });
    expect(endpoint.lastError).toBe('connection refused');
    await recovered;
    expect(endpoint).toMatchObject({ status: 'healthy', consecutiveFailures: 0, backoffMultiplier: 1 });
    expect(endpoint.lastError).toBeUndefined();
  });

  it('counts one failure event per outage, however many requests in flight report it', async () => {
    const endpoint = endpointAt((await serve(answer(200))).url, { checkInterval: 1000 });
    let now = 1_700_000_000_000;
    const { checker, transitions } = checkerFor([endpoint], { now: () => now });
    await checker.checkAll();
    const sentAt = now + 5;
    now += 10;
    for (let i = 0; i < 16; i++) checker.markFailed(endpoint, 'read ECONNRESET', sentAt);
    expect(transitions.filter((t) => t.to === 'offline')).toHaveLength(1);
    expect(endpoint).toMatchObject({ consecutiveFailures: 1, backoffMultiplier: 1, nextCheckTime: now + 1000 });
  });

  it('ignores a failure from a request sent before the node last changed status', async () => {
    const endpoint = endpointAt((await serve(answer(200))).url);
    let now = 1_700_000_000_000;
    const { checker, transitions } = checkerFor([endpoint], { now: () => now });
    const sentBeforeRecovery = now - 1;
    await checker.checkAll();
    expect(endpoint.status).toBe('healthy');
    now += 5;
    checker.markFailed(endpoint, 'connection refused', sentBeforeRecovery);
    expect(endpoint.status).toBe('healthy');
    checker.markFailed(endpoint, 'connection refused', now);
    expect(endpoint.status).toBe('offline');
    expect(transitions.map((t) => t.to)).toEqual(['healthy', 'offline']);
  });

  it('probes an unroutable node at once on recheck, and leaves a routable one alone', async () => {
    const server = await serve(answer(200));
    const endpoint = endpointAt(server.url, { checkInterval: 60_000 });
    const { checker } = checkerFor([endpoint]);
    await checker.checkAll();
    checker.start();
    checker.recheck(endpoint);
    expect(server.hits).toBe(1);
    checker.markFailed(endpoint, 'connection refused');
    const recovered = nextTransitionTo(checker, 'healthy');
    checker.recheck(endpoint);
    await recovered;
    expect(server.hits).toBe(2);
  });

  it('takes a routable node out at once when proxied failures trip its breaker', async () => {
    const endpoint = endpointAt((await serve(answer(200))).url);
    const { checker, breakers } = checkerFor([endpoint]);
    await checker.checkAll();
    checker.start();
    for (let i = 0; i < BREAKER_FAILURE_THRESHOLD; i++) breakers.recordFailure(endpoint.name);
    expect(endpoint.status).toBe('offline');
  });

  it('does not contact a node whose breaker is open', async () => {
    const server = await serve(answer(200));
    const endpoint = endpointAt(server.url);
    const { checker, breakers, transitions } = checkerFor([endpoint]);
    for (let i = 0; i < BREAKER_FAILURE_THRESHOLD; i++) breakers.recordFailure(endpoint.name);
    await checker.checkAll();
    expect(server.hits).toBe(0);
    expect(endpoint.status).toBe('offline');
    expect(transitions[0]?.error).toBe('circuit breaker is open');
  });

  it('keeps checking other nodes while one hangs', async () => {
    const hung = await serve(() => {});
    const fast = await serve(answer(200));
    const slowNode = endpointAt(hung.url, { name: 'hung', checkTimeout: 5000 });
    const fastNode = endpointAt(fast.url, { name: 'fast', checkInterval: 10 });
    const { checker } = checkerFor([slowNode, fastNode]);
    checker.start();
    await expect.poll(() => fast.hits).toBeGreaterThanOrEqual(3);
    expect(hung.hits).toBe(1);
    expect(slowNode.status).toBe('unknown');
  });

  it('first checks each node after the initial delay', async () => {
    const late = await serve(answer(200));
    const prompt = await serve(answer(200));
    checkerFor([endpointAt(late.url)], { initialDelayMs: 60_000 }).checker.start();
    checkerFor([endpointAt(prompt.url)], { initialDelayMs: 0 }).checker.start();
    await expect.poll(() => prompt.hits).toBe(1);
    expect(late.hits).toBe(0);
  });

  it('stops every timer and aborts checks in flight', async () => {
    const hung = await serve(() => {});
    const busy = await serve(answer(500));
    const endpoints = [
      endpointAt(hung.url, { name: 'hung', checkTimeout: 5000 }),
      endpointAt(busy.url, { name: 'busy', checkInterval: 5 }),
    ];
    const { checker } = checkerFor(endpoints);
    const timersBefore = activeTimers();
    checker.start();
    await expect.poll(() => hung.hits).toBe(1);
    await checker.stop();
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    await expect.poll(() => hung.abandoned).toBe(1);
    const hitsAtStop = busy.hits;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(busy.hits).toBe(hitsAtStop);
    expect(endpoints[0]?.status).toBe('unknown');
  });
});

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('HttpHealthChecker after a config reload', () => {
  it('checks an added endpoint at once, stops checking a removed one, and keeps checking an unchanged one', async () => {
    const server = await serve(answer(200));
    const at = (name: string) =>
      endpointAt(`${server.url}/${name}`, { name, healthCheckUrl: `${server.url}/${name}`, checkInterval: 30 });
    const kept = at('kept');
    const removed = at('removed');
    const { checker } = checkerFor([kept, removed]);
    checker.start();
    await until(() => kept.status === 'healthy' && removed.status === 'healthy');

    const added = at('added');
    checker.reconcile([kept, added]);
    await until(() => added.status === 'healthy');
    // Any probe of the removed endpoint already under way has landed by now.
    await new Promise((r) => setTimeout(r, 60));
    const removedChecked = removed.lastChecked;
    const keptChecked = kept.lastChecked;
    await until(() => kept.lastChecked > keptChecked);
    await new Promise((r) => setTimeout(r, 100));
    expect(removed.lastChecked).toBe(removedChecked);
    checker.markFailed(removed, 'gone');
    expect(removed.status).toBe('healthy');
  });
});
