import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOlla, startOlla, waitFor, waitForHealthy } from '../helpers/olla.js';
import { type MockBackend, type MockRequestRecord, startMockBackend } from '../mock/backend.js';

/**
 * Issue 7, backend authentication end to end: Olla sends each endpoint its own credentials (on
 * health probes, model discovery and proxied requests), never anyone else's, never the client's,
 * and never shows them on its status surfaces, in its logs or in error bodies.
 */

const SECRET = 'sk-e2e-bearer-7f3a9c1d5b';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the config's placeholder, which Olla expands from the environment
const TOKEN_FROM_ENV = '${OLLA_E2E_TEST_TOKEN}';
const FILE_SECRET = 'sk-e2e-from-file-4e8b2a60';
const CLIENT_SECRET = 'client-owned-credential-93d1';

function chat(olla: RunningOlla, model: string, headers: Record<string, string> = {}, path = '/olla/proxy/v1') {
  return fetch(`${olla.url}${path}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    redirect: 'manual',
  });
}

function headerValues(records: readonly MockRequestRecord[]): string[] {
  return records.flatMap((r) => Object.values(r.headers).flatMap((v) => (v === undefined ? [] : [v].flat())));
}

/** Every GET route Olla lists on /version that has no path parameters. */
async function plainGetRoutes(olla: RunningOlla): Promise<string[]> {
  const version = (await (await fetch(`${olla.url}/version`)).json()) as { routes: string[] };
  return version.routes.flatMap((route) => {
    const [methods = '', path = ''] = route.split(' ');
    const gettable = methods === 'ANY' || methods.split(',').includes('GET');
    return gettable && !path.includes('*') && !path.includes(':') ? [path] : [];
  });
}

describe('backend authentication', () => {
  let mocks: MockBackend[] = [];
  let olla: RunningOlla | undefined;
  let redirector: Server | undefined;
  let secretsDir = '';

  beforeAll(async () => {
    process.env.OLLA_E2E_TEST_TOKEN = SECRET;
    secretsDir = await mkdtemp(join(tmpdir(), 'olla-auth-'));
  });
  afterAll(async () => {
    delete process.env.OLLA_E2E_TEST_TOKEN;
    await rm(secretsDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await olla?.close();
    olla = undefined;
    await Promise.all(mocks.map((m) => m.close()));
    mocks = [];
    await new Promise((resolve) => (redirector ? redirector.close(resolve) : resolve(undefined)));
    redirector = undefined;
  });

  async function startPair(auth: Record<string, string>, secret: string) {
    const guarded = await startMockBackend({
      name: 'guarded',
      flavour: 'openai',
      models: ['m-guarded'],
      authToken: secret,
    });
    const open = await startMockBackend({ name: 'open', flavour: 'openai', models: ['m-open'] });
    mocks = [guarded, open];
    olla = await startOlla(
      [
        { name: 'guarded', url: guarded.url, type: 'openai-compatible', auth },
        { name: 'open', url: open.url, type: 'openai-compatible' },
      ],
      { logging: { level: 'debug' } },
    );
    // Discovery from the guarded mock succeeds only with the token: its model list is not public.
    await waitForHealthy(olla, ['guarded', 'open'], { models: ['m-guarded', 'm-open'] });
    return { guarded, open, running: olla };
  }

  it.each([
    ['an environment variable', () => ({ type: 'bearer', token: TOKEN_FROM_ENV }), SECRET],
    ['a token_file', () => ({ type: 'bearer', token_file: join(secretsDir, 'token') }), FILE_SECRET],
  ])('sends a bearer token from %s to its endpoint only', async (_, auth, secret) => {
    await writeFile(join(secretsDir, 'token'), `${FILE_SECRET}\n`);
    const { guarded, open, running } = await startPair(auth(), secret);

    const toGuarded = await chat(running, 'm-guarded', { authorization: `Bearer ${CLIENT_SECRET}` });
    expect(toGuarded.status).toBe(200);
    expect(toGuarded.headers.get('x-olla-endpoint')).toBe('guarded');
    await toGuarded.arrayBuffer();
    const toOpen = await chat(running, 'm-open', {
      authorization: `Bearer ${CLIENT_SECRET}`,
      'x-api-key': CLIENT_SECRET,
    });
    expect(toOpen.status).toBe(200);
    expect(toOpen.headers.get('x-olla-endpoint')).toBe('open');
    await toOpen.arrayBuffer();

    // The guarded endpoint got Olla's token on every kind of request, and never the client's.
    const kinds = new Set(guarded.requests.map((r) => r.path));
    expect(kinds).toContain('/v1/chat/completions');
    expect(kinds).toContain('/v1/models');
    expect(guarded.requests.every((r) => r.headers.authorization === `Bearer ${secret}`)).toBe(true);
    // The open endpoint never saw the secret, on probes, discovery or proxying, nor the client's credentials.
    expect(open.requests.length).toBeGreaterThan(2);
    expect(headerValues(open.requests).some((v) => v.includes(secret))).toBe(false);
    expect(headerValues([...open.requests, ...guarded.requests]).some((v) => v.includes(CLIENT_SECRET))).toBe(false);
    expect(
      open.requests.every((r) => r.headers.authorization === undefined && r.headers['x-api-key'] === undefined),
    ).toBe(true);
  });

  it('never shows the secret on any status route, in error bodies or in the logs', async () => {
    const { guarded, running } = await startPair({ type: 'bearer', token: TOKEN_FROM_ENV }, SECRET);
    const ok = await chat(running, 'm-guarded');
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();

    // Failures name the endpoint, and must not leak what Olla sent it.
    guarded.setFault('status:401', { paths: ['/v1/chat/completions'], times: 1 });
    const refused = await chat(running, 'm-guarded');
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain(SECRET);
    guarded.setFault('close', { paths: ['/v1/chat/completions'], times: 1 });
    const broken = await chat(running, 'm-guarded');
    expect(broken.status).toBeGreaterThanOrEqual(500);
    expect(await broken.text()).not.toContain(SECRET);
    const missing = await chat(running, 'no-such-model');
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain(SECRET);

    const routes = await plainGetRoutes(running);
    expect(routes).toEqual(expect.arrayContaining(['/internal/status', '/internal/status/endpoints', '/olla/models']));
    for (const route of routes) {
      const response = await fetch(`${running.url}${route}`);
      const body = await response.text();
      expect(body, route).not.toContain(SECRET);
      expect(body, route).not.toContain(Buffer.from(SECRET).toString('base64'));
    }
    const endpoints = await (await fetch(`${running.url}/internal/status/endpoints`)).text();
    expect(endpoints).toContain('guarded');

    const logs = running.logs();
    expect(logs).toContain('guarded');
    expect(logs).not.toContain(SECRET);
  });

  it('does not follow a redirect to another host, so the secret stays with its endpoint', async () => {
    const open = await startMockBackend({ name: 'open', flavour: 'openai', models: ['m-open'] });
    mocks = [open];
    // A backend that serves a model list and bounces every completion to the other node.
    redirector = createServer((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'm-bounce', object: 'model', owned_by: 'x' }] }));
        return;
      }
      req.resume();
      res.writeHead(307, { location: `${open.url}/v1/chat/completions` });
      res.end();
    });
    await new Promise<void>((resolve) => redirector!.listen(0, '127.0.0.1', resolve));
    const port = (redirector.address() as AddressInfo).port;
    olla = await startOlla(
      [
        {
          name: 'bouncer',
          url: `http://127.0.0.1:${port}`,
          type: 'openai-compatible',
          auth: { type: 'bearer', token: SECRET },
        },
        { name: 'open', url: open.url, type: 'openai-compatible' },
      ],
      {},
    );
    await waitForHealthy(olla, ['bouncer', 'open'], { models: ['m-bounce', 'm-open'] });

    const response = await chat(olla, 'm-bounce');
    expect(response.status).toBe(307);
    expect(response.headers.get('x-olla-endpoint')).toBe('bouncer');
    await response.arrayBuffer();
    expect(open.requests.some((r) => r.path === '/v1/chat/completions')).toBe(false);
    expect(headerValues(open.requests).some((v) => v.includes(SECRET))).toBe(false);
  });

  it.each([
    [
      'basic',
      { type: 'basic', username: 'olla', password: 'pa55-e2e-basic' },
      'authorization',
      `Basic ${Buffer.from('olla:pa55-e2e-basic').toString('base64')}`,
    ],
    ['api_key (default header)', { type: 'api_key', key: 'key-e2e-default' }, 'x-api-key', 'key-e2e-default'],
    [
      'api_key (own header)',
      { type: 'api_key', key: 'key-e2e-custom', header: 'X-Backend-Key' },
      'x-backend-key',
      'key-e2e-custom',
    ],
  ])('sends %s credentials on probes, discovery and proxied requests', async (_, auth, header, value) => {
    const backend = await startMockBackend({ name: 'keyed', flavour: 'openai', models: ['m-keyed'] });
    mocks = [backend];
    olla = await startOlla([{ name: 'keyed', url: backend.url, type: 'openai-compatible', auth }]);
    await waitForHealthy(olla, ['keyed'], { models: ['m-keyed'] });
    const response = await chat(olla, 'm-keyed', { [header]: 'from-the-client' });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(new Set(backend.requests.map((r) => r.path))).toEqual(
      new Set(['/v1/chat/completions', '/v1/models', backend.healthPath]),
    );
    expect(backend.requests.every((r) => r.headers[header] === value)).toBe(true);
    expect(olla.logs()).not.toContain(value);
  });
});

describe('the admin token (our addition)', () => {
  let olla: RunningOlla | undefined;
  afterEach(async () => {
    await olla?.close();
    olla = undefined;
  });

  it('guards /internal/status* behind a bearer token while /internal/health stays open', async () => {
    olla = await startOlla([], { server: { auth: { token: 'admin-e2e-token' } } });
    await waitFor(async () => (await fetch(`${olla!.url}/internal/health`)).ok, 2000, 'Olla up');

    expect((await fetch(`${olla.url}/internal/health`)).status).toBe(200);
    for (const path of ['/internal/status', '/internal/status/endpoints', '/internal/status/models']) {
      const anonymous = await fetch(`${olla.url}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await anonymous.json()).toMatchObject({ status: 401 });
      const wrong = await fetch(`${olla.url}${path}`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status, path).toBe(401);
      await wrong.arrayBuffer();
      const admitted = await fetch(`${olla.url}${path}`, { headers: { authorization: 'bearer admin-e2e-token' } });
      expect(admitted.status, path).toBe(200);
      await admitted.arrayBuffer();
    }
    // Routes outside /internal/ are not the admin surface.
    expect((await fetch(`${olla.url}/version`)).status).toBe(200);
    expect(olla.logs()).not.toContain('admin-e2e-token');
  });
});
