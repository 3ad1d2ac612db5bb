/**
 * The `olla` bin runs one esbuild bundle (src/cli/bundle.ts), not the modules the other tests
 * load under tsx: what esbuild leaves out, splits into chunks or resolves from the bundle's own
 * folder (profiles, the dashboard, the packages kept external) only shows when that file runs.
 * The bundle is built here from the sources, into the package's node_modules/.cache so it
 * resolves config/, public/ and node_modules as the shipped one does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOlla } from '../../src/cli/bundle.js';
import { type MockBackend, startMockBackend } from '../mock/backend.js';
import { waitFor } from '../helpers/olla.js';
import { freePort } from '../helpers/ports.js';

const OUT_DIR = join(process.cwd(), 'node_modules', '.cache', 'olla-bundle-e2e');
const MODEL = 'llama3.2:3b';

let mock: MockBackend;
let olla: ChildProcess;
let base: string;
let stderr = '';
/** The child's TMPDIR, where Node keeps its compile cache unless told otherwise. */
let childTmp: string;

beforeAll(async () => {
  await bundleOlla({ entry: join(process.cwd(), 'src', 'cli', 'launch.ts'), outDir: OUT_DIR });
  mock = await startMockBackend({ name: 'node-a', flavour: 'openai', models: [MODEL] });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const config = join(mkdtempSync(join(tmpdir(), 'olla-bundle-')), 'config.yaml');
  writeFileSync(
    config,
    [
      'server:',
      '  host: 127.0.0.1',
      `  port: ${port}`,
      'discovery:',
      '  static:',
      '    endpoints:',
      `      - url: ${mock.url}`,
      '        name: node-a',
      '        type: openai-compatible',
      '        check_interval: 1s',
      '        check_timeout: 500ms',
      'logging:',
      '  level: warn',
    ].join('\n'),
  );
  childTmp = mkdtempSync(join(tmpdir(), 'olla-bundle-tmp-'));
  // Only the bin itself may turn the compile cache on: the variables that would do it for Node are left out.
  const { NODE_COMPILE_CACHE: _cache, NODE_DISABLE_COMPILE_CACHE: _off, ...env } = process.env;
  olla = spawn(process.execPath, [join(OUT_DIR, 'olla.js'), '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...env, TMPDIR: childTmp },
  });
  olla.stderr?.on('data', (d) => (stderr += d));
  await waitFor(
    async () => {
      if (olla.exitCode !== null) throw new Error(`the bundled olla exited ${olla.exitCode}: ${stderr}`);
      try {
        const models = await fetch(`${base}/olla/models`);
        return models.ok && (await models.text()).includes(MODEL);
      } catch {
        return false;
      }
    },
    30_000,
    'the bundled olla with node-a healthy',
  );
}, 60_000);

afterAll(async () => {
  if (olla?.exitCode === null) olla.kill('SIGKILL');
  await mock?.close();
  if (childTmp !== undefined) rmSync(childTmp, { recursive: true, force: true });
});

describe('the bundled olla bin', () => {
  it('writes the precompiled profiles beside the bundle', () => {
    expect(existsSync(join(OUT_DIR, 'built-in-profiles.json'))).toBe(true);
  });

  it('proxies a chat completion to the node holding the model', async () => {
    const res = await fetch(`${base}/olla/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-olla-endpoint')).toBe('node-a');
    expect(((await res.json()) as { choices: unknown[] }).choices).toHaveLength(1);
  });

  it('serves what loads on demand: metrics (prom-client, external), status and the dashboard', async () => {
    const metrics = await fetch(`${base}/internal/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^olla_/m);
    expect((await fetch(`${base}/internal/status`)).status).toBe(200);
    const dashboard = await fetch(`${base}/internal/ui/`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => olla.once('exit', resolve));
    olla.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('leaves the compiled code for the next start where Node keeps it (22.1 and later), and nothing on Node 20', () => {
    const cache = join(childTmp, 'node-compile-cache');
    const nodeCaches = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
    expect(existsSync(cache) && readdirSync(cache).length > 0).toBe(nodeCaches);
  });
});
