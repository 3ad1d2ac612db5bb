/**
 * Config reload against a real Olla process: SIGHUP and a watched file apply a new endpoint while
 * a stream is in flight, and a broken file is refused while Olla keeps serving.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/olla.js';
import { freePort } from '../helpers/ports.js';
import { type MockBackend, mockReplyText, startMockBackend } from '../mock/backend.js';
import { endpointStatuses, lastReload, save, sseText, startOllaProcess, waitForRoutable } from './reload-support.js';

const MODEL = 'llama3.2:3b';
const dir = mkdtempSync(join(tmpdir(), 'olla-reload-'));
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mock(name: string, tokens = 3, tokenDelayMs = 0): Promise<MockBackend> {
  const backend = await startMockBackend({ name, flavour: 'ollama', models: [MODEL], tokens, tokenDelayMs });
  cleanups.push(() => backend.close());
  return backend;
}

function configYaml(port: number, backends: MockBackend[], extra = ''): string {
  const endpoints = backends
    .map((b) =>
      [
        `      - name: ${b.name}`,
        `        url: ${b.url}`,
        '        type: ollama',
        '        check_interval: 1s',
        '        check_timeout: 500ms',
      ].join('\n'),
    )
    .join('\n');
  return [
    'server:',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    '  rate_limits:',
    '    global_requests_per_minute: 0',
    '    per_ip_requests_per_minute: 0',
    extra,
    'proxy:',
    '  engine: olla',
    '  load_balancer: round-robin',
    'discovery:',
    '  health_check:',
    '    initial_delay: 0s',
    '  model_discovery:',
    '    interval: 1s',
    '  static:',
    '    endpoints:',
    endpoints,
    '',
  ].join('\n');
}

function chat(url: string, stream: boolean): Promise<Response> {
  return fetch(`${url}/olla/proxy/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

/** Sends small requests one after another until stopped; resolves to every status seen. */
function keepAsking(url: string): { stop: () => Promise<number[]> } {
  const statuses: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const res = await chat(url, false);
      await res.arrayBuffer();
      statuses.push(res.status);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return statuses;
    },
  };
}

describe('config reload', () => {
  it('SIGHUP adds an endpoint while a 2-second stream finishes intact and no request fails', async () => {
    const slow = await mock('node-a', 20, 100);
    const added = await mock('node-b');
    const port = await freePort();
    const file = join(dir, 'sighup.yaml');
    writeFileSync(file, configYaml(port, [slow]));
    const olla = await startOllaProcess(file, port, cleanups);
    await waitForRoutable(olla.url, 'node-a');

    const started = performance.now();
    const stream = await chat(olla.url, true);
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const first = await reader.read();
    const background = keepAsking(olla.url);

    save(file, configYaml(port, [slow, added]));
    olla.child.kill('SIGHUP');
    const hupAt = performance.now();
    await waitFor(async () => (await endpointStatuses(olla.url))['node-b'] === 'healthy', 3000, 'node-b healthy');
    expect(performance.now() - hupAt).toBeLessThan(3000);

    let raw = Buffer.from(first.value ?? new Uint8Array()).toString();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      raw += Buffer.from(value).toString();
    }
    expect(performance.now() - started).toBeGreaterThan(1500);
    expect(sseText(raw)).toEqual({ text: mockReplyText('node-a', MODEL, 20), done: true });

    // The new node takes traffic too, and nothing failed along the way.
    await waitFor(
      () => added.requests.some((r) => r.path === '/v1/chat/completions'),
      5000,
      'a chat request on node-b',
    );
    const statuses = await background.stop();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(olla.child.exitCode).toBeNull();

    expect(await lastReload(olla.url)).toMatchObject({
      trigger: 'SIGHUP',
      outcome: 'applied',
      endpoints_added: ['node-b'],
    });
    const metrics = await (await fetch(`${olla.url}/internal/metrics`)).text();
    expect(metrics).toMatch(/olla_config_reloads_total\{result="success"\} 1/);
  }, 30_000);

  it('refuses a broken file as a whole, keeps serving, and names the error in the status', async () => {
    const node = await mock('node-a');
    const port = await freePort();
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, configYaml(port, [node]));
    const olla = await startOllaProcess(file, port, cleanups);
    await waitForRoutable(olla.url, 'node-a');

    // A valid endpoint change next to an invalid key: none of it may apply.
    const other = await mock('node-b');
    save(file, configYaml(port, [node, other]).replace('load_balancer: round-robin', 'load_balancer: random'));
    olla.child.kill('SIGHUP');
    await waitFor(async () => (await lastReload(olla.url))?.outcome === 'refused', 5000, 'reload refused');
    const reload = (await lastReload(olla.url)) as { errors: string[] };
    expect(reload.errors.join('\n')).toMatch(/proxy\.load_balancer/);
    expect(Object.keys(await endpointStatuses(olla.url))).toEqual(['node-a']);
    expect((await chat(olla.url, false)).status).toBe(200);

    // Unparsable YAML, then a port change: both refused, still serving.
    save(file, 'server: [unclosed\n');
    olla.child.kill('SIGHUP');
    await waitFor(
      async () => JSON.stringify((await lastReload(olla.url))?.errors ?? []).includes('broken.yaml:'),
      5000,
      'yaml error reported',
    );
    save(file, configYaml(port + 1, [node]));
    olla.child.kill('SIGHUP');
    await waitFor(
      async () => JSON.stringify((await lastReload(olla.url))?.errors ?? []).includes('restart'),
      5000,
      'port change refused',
    );
    expect(((await lastReload(olla.url)) as { errors: string[] }).errors[0]).toMatch(/^server\.port: .*restart/);
    expect((await chat(olla.url, false)).status).toBe(200);
    expect(olla.output()).toMatch(/config reload refused/);
    const metrics = await (await fetch(`${olla.url}/internal/metrics`)).text();
    expect(metrics).toMatch(/olla_config_reloads_total\{result="failure"\} 3/);
  }, 30_000);

  it('server.watch_config picks up an edit without a signal', async () => {
    const node = await mock('node-a');
    const added = await mock('node-b');
    const port = await freePort();
    const file = join(dir, 'watched.yaml');
    writeFileSync(file, configYaml(port, [node], '  watch_config: true'));
    const olla = await startOllaProcess(file, port, cleanups);
    await waitForRoutable(olla.url, 'node-a');

    save(file, configYaml(port, [node, added], '  watch_config: true'));
    await waitFor(async () => (await endpointStatuses(olla.url))['node-b'] === 'healthy', 5000, 'node-b healthy');
    expect(await lastReload(olla.url)).toMatchObject({ trigger: 'watch', outcome: 'applied' });
  }, 30_000);
});
