import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { loadConfig } from './load.js';
import { defaultConfig } from './parse.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => join(here, 'fixtures', name);
const shippedConfig = join(here, '..', '..', 'config', 'config.yaml');

/** A fresh working directory holding the given files. */
function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'olla-config-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function loadError(options: Parameters<typeof loadConfig>[0]): string[] {
  try {
    loadConfig(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the defaults when no file is found', () => {
    const result = loadConfig({ cwd: workspace(), env: {} });
    expect(result).toEqual({ config: defaultConfig(), warnings: [] });
  });

  it('searches config/config.local.yaml, config/config.yaml, config.yaml, then default.yaml', () => {
    const files = {
      'config/config.local.yaml': 'server: { port: 1001 }',
      'config/config.yaml': 'server: { port: 1002 }',
      'config.yaml': 'server: { port: 1003 }',
      'default.yaml': 'server: { port: 1004 }',
    };
    const order = Object.keys(files);
    for (const [index, path] of order.entries()) {
      const remaining = Object.fromEntries(order.slice(index).map((name) => [name, files[name as keyof typeof files]]));
      const { config } = loadConfig({ cwd: workspace(remaining), env: {} });
      expect(config.filename).toBe(path);
      expect(config.server.port).toBe(1001 + index);
    }
  });

  it('prefers --config over OLLA_CONFIG_FILE over the search paths', () => {
    const cwd = workspace({
      'a.yaml': 'server: { port: 2001 }',
      'b.yaml': 'server: { port: 2002 }',
      'config.yaml': '',
    });
    expect(loadConfig({ cwd, file: 'a.yaml', env: { OLLA_CONFIG_FILE: 'b.yaml' } }).config.server.port).toBe(2001);
    expect(loadConfig({ cwd, env: { OLLA_CONFIG_FILE: 'b.yaml' } }).config.filename).toBe('b.yaml');
  });

  it('refuses a named file that does not exist', () => {
    const cwd = workspace({ 'config.yaml': '' });
    expect(loadError({ cwd, file: 'missing.yaml', env: {} })).toEqual([
      '--config names "missing.yaml", which does not exist',
    ]);
    expect(loadError({ cwd, env: { OLLA_CONFIG_FILE: 'gone.yaml' } })).toEqual([
      'OLLA_CONFIG_FILE names "gone.yaml", which does not exist',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const cwd = workspace({ 'config.yaml': 'server:\n  port: 1\n  port: 2\n' });
    expect(loadError({ cwd, env: {} })).toEqual(['config.yaml:3:3: Map keys must be unique']);
  });

  it('refuses a file that is not a mapping', () => {
    expect(loadError({ cwd: workspace({ 'config.yaml': '- server\n' }), env: {} })).toEqual([
      'config.yaml: the config must be a mapping of sections (server:, proxy:, discovery:, ...)',
    ]);
  });

  it('applies environment overrides over the file', () => {
    const cwd = workspace({ 'config.yaml': 'server:\n  port: 9000\n  host: 0.0.0.0\n' });
    const { config } = loadConfig({
      cwd,
      env: { OLLA_SERVER_PORT: '41234', OLLA_PROXY_READ_TIMEOUT: '2m', OLLA_MODEL_UNIFIER_ENABLED: 'false' },
    });
    expect(config.server).toMatchObject({ port: 41234, host: '0.0.0.0' });
    expect(config.proxy.readTimeout).toBe(120_000);
    expect(config.modelRegistry.enableUnifier).toBe(false);
  });

  it('names the environment variable behind a bad value', () => {
    expect(
      loadError({ cwd: workspace(), env: { OLLA_SERVER_PORT: '70000', OLLA_PROXY_RESPONSE_TIMEOUT: '10' } }),
    ).toEqual([
      'OLLA_SERVER_PORT (server.port): 70000 is not a port (1-65535)',
      'OLLA_PROXY_RESPONSE_TIMEOUT (proxy.response_timeout): "10" has no unit; write it as 10s or 10ms (units: ns, us, ms, s, m, h)',
    ]);
  });

  it('names the environment variable behind a value it falls back from', () => {
    expect(loadConfig({ cwd: workspace(), env: { OLLA_LOGGING_LEVEL: 'loud' } }).warnings).toEqual([
      'OLLA_LOGGING_LEVEL (logging.level): "loud" is not one of debug, info, warn, error; using "info"',
    ]);
  });

  it('loads our shipped config/config.yaml with no warnings and the original’s shipped values', () => {
    const { config, warnings } = loadConfig({ file: shippedConfig, env: {} });
    expect(warnings).toEqual([]);
    expect(
      config.discovery.static.endpoints.map(({ name, type, healthCheckUrl }) => [name, type, healthCheckUrl]),
    ).toEqual([
      ['local-ollama', 'ollama', '/'],
      ['local-lm-studio', 'lm-studio', '/'],
      ['local-vllm', 'vllm', '/health'],
    ]);
    const { filename: _file, discovery: _shippedDiscovery, ...shipped } = config;
    const { filename: _none, discovery: _defaultDiscovery, ...defaults } = defaultConfig();
    expect(shipped).toEqual(defaults);
  });

  it('loads a config written for the original from its documentation’s examples', () => {
    const { config, warnings } = loadConfig({ file: fixture('docs-examples.yaml'), env: { VLLM_API_KEY: 'sk-vllm' } });
    expect(warnings).toEqual([
      expect.stringMatching(/^proxy\.max_retries is deprecated/),
      expect.stringMatching(/^proxy\.retry_backoff is deprecated/),
    ]);
    expect(config.server.cors).toMatchObject({
      enabled: true,
      allowCredentials: true,
      allowedOrigins: ['http://localhost:3000'],
    });
    expect(config.server.requestLimits).toEqual({ maxBodySize: 52_428_800, maxHeaderSize: 524_288 });
    expect(config.proxy.profileFilter).toEqual({ include: ['ollama', 'openai*'], exclude: ['*test*', '*debug*'] });
    expect(config.proxy.responseHeaderTimeout).toBe(180_000);
    const byName = new Map(config.discovery.static.endpoints.map((endpoint) => [endpoint.name, endpoint]));
    expect(byName.size).toBe(8);
    expect(byName.get('vllm-gpu')?.auth).toEqual({ type: 'bearer', token: 'sk-vllm' });
    expect(byName.get('custom-gw')).toMatchObject({
      auth: { type: 'api_key', key: 'changeme', header: 'X-Api-Key' },
      headers: { 'X-Tenant-ID': 'team-a' },
    });
    expect(byName.get('remote-ollama')).toMatchObject({
      priority: 50,
      checkInterval: 60_000,
      modelFilter: { include: ['llama*', 'mistral*'], exclude: [] },
    });
    expect(config.modelRegistry.routingStrategy).toEqual({
      type: 'discovery',
      options: { fallbackBehavior: 'compatible_only', discoveryTimeout: 2000, discoveryRefreshOnMiss: true },
    });
    expect(config.modelAliases['my-llama']).toEqual([
      'llama3.1:8b',
      'llama-3.1-8b-instruct',
      'Meta-Llama-3.1-8B-Instruct.gguf',
    ]);
  });

  it('loads a Go config’s stream_buffer_size quietly, though there is no copy buffer here to size', () => {
    const cwd = workspace({ 'config.yaml': 'proxy:\n  engine: olla\n  stream_buffer_size: 8192\n' });
    const { config, warnings } = loadConfig({ cwd, env: {} });
    expect(warnings).toEqual([]);
    expect(config.proxy.engine).toBe('olla');
    // A value that is not a size is still named, as the original's loader would refuse it.
    const bad = workspace({ 'config.yaml': 'proxy:\n  stream_buffer_size: lots\n' });
    expect(loadError({ cwd: bad, env: {} }).join('\n')).toContain('proxy.stream_buffer_size');
  });

  it('warns about keys it does not know and loads the rest', () => {
    const { config, warnings } = loadConfig({ file: fixture('unknown-keys.yaml'), env: {} });
    expect(config.proxy.engine).toBe('sherpa');
    expect(warnings).toEqual([
      'unknown key server.prot (ignored)',
      'unknown key proxy.foo (ignored)',
      'unknown key model_registry.unification.enabled (ignored)',
      'unknown key model_registry.unification.cache_ttl (ignored)',
      'unknown key discovery.static.endpoints[0].weight (ignored)',
    ]);
  });

  it('reads files relative to the working directory given', () => {
    const cwd = workspace({
      'secrets/token': 'tok\n',
      'config.yaml':
        'discovery:\n  static:\n    endpoints:\n      - { url: "http://a:1", name: a, type: vllm, auth: { type: bearer, token_file: secrets/token } }\n',
    });
    expect(loadConfig({ cwd, env: {} }).config.discovery.static.endpoints[0]?.auth).toEqual({
      type: 'bearer',
      token: 'tok',
    });
  });
});
