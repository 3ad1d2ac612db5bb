/**
 * Config reload of the request-time settings, against a real Olla process and SIGHUP: client keys
 * added and revoked (a stream under a revoked key still finishing), a fallback chain added, rate
 * limits switched on and changed, the proxy engine swapped under a stream, and invalid values in
 * each of these refusing the whole reload with the key path.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../helpers/ports.js';
import { type MockBackend, type MockBackendOptions, mockReplyText, startMockBackend } from '../mock/backend.js';
import {
  type Cleanups,
  lastReload,
  type OllaProcess,
  reloadWith,
  sseText,
  startOllaProcess,
  waitForRoutable,
} from './reload-support.js';

const MODEL = 'llama3.2:3b';
const dir = mkdtempSync(join(tmpdir(), 'olla-reload-live-'));
const cleanups: Cleanups = [];
const KEY_A = 'sk-olla-team-a-0123456789';
const KEY_B = 'sk-olla-team-b-9876543210';

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mock(options: MockBackendOptions): Promise<MockBackend> {
  const backend = await startMockBackend({ flavour: 'ollama', models: [MODEL], ...options });
  cleanups.push(() => backend.close());
  return backend;
}

type Doc = Record<string, unknown>;

/** The test's config file: one Ollama-like node, quiet limits, plus `server` and top-level extras. */
function configYaml(port: number, node: MockBackend, server: Doc = {}, top: Doc = {}): string {
  return stringify({
    server: {
      host: '127.0.0.1',
      port,
      rate_limits: { global_requests_per_minute: 0, per_ip_requests_per_minute: 0 },
      ...server,
    },
    proxy: { engine: 'olla', load_balancer: 'round-robin' },
    discovery: {
      health_check: { initial_delay: '0s' },
      model_discovery: { interval: '1s' },
      static: {
        endpoints: [{ name: node.name, url: node.url, type: 'ollama', check_interval: '1s', check_timeout: '500ms' }],
      },
    },
    ...top,
  });
}

async function start(name: string, text: string): Promise<{ olla: OllaProcess; file: string }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  const port = Number(/port: (\d+)/.exec(text)![1]);
  const olla = await startOllaProcess(file, port, cleanups);
  return { olla, file };
}

function chat(olla: OllaProcess, body: Doc, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${olla.url}/olla/proxy/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

async function statusOf(response: Promise<Response>): Promise<number> {
  const res = await response;
  await res.arrayBuffer();
  return res.status;
}

async function readAll(res: Response): Promise<string> {
  return Buffer.from(await res.arrayBuffer()).toString();
}

const keysConfig = (...keys: { name: string; key: string }[]) => ({ auth: { enabled: true, keys } });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('reload of request-time settings', () => {
  it('adds and revokes client keys; a stream under the revoked key finishes intact', async () => {
    const node = await mock({ name: 'node-a', tokens: 10, tokenDelayMs: 100 });
    const port = await freePort();
    const { olla, file } = await start('keys', configYaml(port, node, keysConfig({ name: 'team-a', key: KEY_A })));
    await waitForRoutable(olla.url, 'node-a');
    expect(await statusOf(chat(olla, {}, bearer(KEY_B)))).toBe(401);

    const stream = await chat(olla, { stream: true }, bearer(KEY_A));
    expect(stream.status).toBe(200);
    const reload = await reloadWith(olla, file, configYaml(port, node, keysConfig({ name: 'team-b', key: KEY_B })));
    expect(reload).toMatchObject({ outcome: 'applied' });
    expect(reload.restart_required).toBeUndefined();

    expect(await statusOf(chat(olla, {}, bearer(KEY_A)))).toBe(401);
    expect(await statusOf(chat(olla, {}, bearer(KEY_B)))).toBe(200);
    expect(sseText(await readAll(stream))).toEqual({ text: mockReplyText('node-a', MODEL, 10), done: true });
  }, 40_000);

  it('adds a fallback chain: a model no node has is served by its fallback', async () => {
    const node = await mock({ name: 'node-a' });
    const port = await freePort();
    const { olla, file } = await start('fallbacks', configYaml(port, node));
    await waitForRoutable(olla.url, 'node-a');
    expect(await statusOf(chat(olla, { model: 'gpt-huge' }))).toBe(404);

    const reload = await reloadWith(
      olla,
      file,
      configYaml(port, node, {}, { model_fallbacks: { 'gpt-huge': [MODEL] } }),
    );
    expect(reload).toMatchObject({ outcome: 'applied' });
    const served = await chat(olla, { model: 'gpt-huge' });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-olla-routing-decision')).toBe('fallback');
    expect(served.headers.get('x-olla-model')).toBe(MODEL);
    await served.arrayBuffer();
  }, 40_000);

  it('switches rate limits on when they were off at start-up, then changes them', async () => {
    const node = await mock({ name: 'node-a' });
    const port = await freePort();
    const { olla, file } = await start('limits', configYaml(port, node));
    await waitForRoutable(olla.url, 'node-a');
    const unlimited = await chat(olla, {});
    expect(unlimited.status).toBe(200);
    expect(unlimited.headers.get('x-ratelimit-limit')).toBeNull();
    await unlimited.arrayBuffer();

    const limits = (perMinute: number, burst: number) => ({
      rate_limits: { global_requests_per_minute: 0, per_ip_requests_per_minute: perMinute, burst_size: burst },
    });
    expect(await reloadWith(olla, file, configYaml(port, node, limits(60, 2)))).toMatchObject({ outcome: 'applied' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await statusOf(chat(olla, {})));
    expect(statuses).toEqual([200, 200, 429]);

    // Raised: the buckets start afresh at the new size.
    expect(await reloadWith(olla, file, configYaml(port, node, limits(600, 5)))).toMatchObject({ outcome: 'applied' });
    const limited = await chat(olla, {});
    expect(limited.status).toBe(200);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('600');
    await limited.arrayBuffer();
  }, 40_000);

  it('swaps the proxy engine under a stream in flight, and lists restart-only keys in the status', async () => {
    const node = await mock({ name: 'node-a', tokens: 10, tokenDelayMs: 100 });
    const port = await freePort();
    const { olla, file } = await start('engine', configYaml(port, node));
    await waitForRoutable(olla.url, 'node-a');
    const stream = await chat(olla, { stream: true });
    expect(stream.status).toBe(200);

    const text = configYaml(port, node, { auth: { token: 'admin-secret-token' } }).replace(
      'engine: olla',
      'engine: sherpa',
    );
    const reload = await reloadWith(olla, file, text);
    expect(reload).toMatchObject({ outcome: 'applied', restart_required: ['server.auth.token'] });
    const status = (await (await fetch(`${olla.url}/internal/status`)).json()) as { proxy: { engine: string } };
    expect(status.proxy.engine).toBe('sherpa');
    expect(await statusOf(chat(olla, {}))).toBe(200);
    expect(sseText(await readAll(stream))).toEqual({ text: mockReplyText('node-a', MODEL, 10), done: true });
    expect(olla.output()).toMatch(/take effect only after a restart/);
  }, 40_000);

  it('refuses the whole reload for an invalid key, fallback or rate limit, naming the key path', async () => {
    const node = await mock({ name: 'node-a' });
    const port = await freePort();
    const { olla, file } = await start('invalid', configYaml(port, node, keysConfig({ name: 'team-a', key: KEY_A })));
    await waitForRoutable(olla.url, 'node-a');
    const KEY_Z = 'sk-olla-team-z-5555555555';
    // Each file also adds a valid key, team-z: a refused reload applies none of it.
    const withZ = keysConfig({ name: 'team-a', key: KEY_A }, { name: 'team-z', key: KEY_Z });
    const cases: [Doc, Doc, RegExp][] = [
      [keysConfig({ name: 'team-a', key: KEY_A }, { name: 'team-a', key: KEY_Z }), {}, /server\.auth\.keys\[1\]/],
      [withZ, { model_fallbacks: { alpha: ['beta'], beta: ['alpha'] } }, /model_fallbacks/],
      [
        { ...withZ, rate_limits: { per_ip_requests_per_minute: -5 } },
        {},
        /server\.rate_limits\.per_ip_requests_per_minute/,
      ],
    ];
    for (const [server, top, path] of cases) {
      const reload = await reloadWith(olla, file, configYaml(port, node, server, top));
      expect(reload.outcome).toBe('refused');
      expect((reload.errors as string[]).join('\n')).toMatch(path);
      expect((await lastReload(olla.url))?.errors).toEqual(reload.errors);
      expect(await statusOf(chat(olla, {}, bearer(KEY_A)))).toBe(200);
      expect(await statusOf(chat(olla, {}, bearer(KEY_Z)))).toBe(401);
    }
    expect(olla.child.exitCode).toBeNull();
  }, 40_000);
});
