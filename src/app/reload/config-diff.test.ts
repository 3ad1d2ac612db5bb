import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/parse.js';
import { changedKeys, planConfigChange } from './config-diff.js';

const config = (doc: Record<string, unknown>) => parseConfig(doc, { env: {} }).config;
const endpoint = (name: string) => ({ name, url: `http://${name}:11434`, type: 'ollama' });
const endpoints = (...names: string[]) => ({ discovery: { static: { endpoints: names.map(endpoint) } } });

describe('changedKeys', () => {
  it('names changed leaves by their YAML key paths and compares lists whole', () => {
    expect(
      changedKeys(
        { proxy: { loadBalancer: 'a', retry: { maxAttempts: 1 } } },
        { proxy: { loadBalancer: 'b', retry: { maxAttempts: 1 } } },
      ),
    ).toEqual(['proxy.load_balancer']);
    expect(changedKeys({ list: [1, 2] }, { list: [1, 3] })).toEqual(['list']);
    expect(changedKeys({ a: 1 }, { a: 1, b: 2 })).toEqual(['b']);
    expect(changedKeys({ modelAliases: { x: ['a'] } }, { modelAliases: { x: ['b'] } })).toEqual(['model_aliases']);
  });
});

describe('planConfigChange', () => {
  it('applies endpoint, balancer, strategy, alias and log level changes live', () => {
    const before = config(endpoints('a'));
    const after = config({
      ...endpoints('a', 'b'),
      proxy: { load_balancer: 'round-robin' },
      model_registry: { routing_strategy: { type: 'optimistic' } },
      model_aliases: { fast: ['x'] },
      logging: { level: 'debug' },
    });
    const plan = planConfigChange(before, after);
    expect(plan.refusal).toBeUndefined();
    expect(plan.restart).toEqual([]);
    expect(plan.live).toEqual(
      expect.arrayContaining([
        'discovery.static.endpoints',
        'proxy.load_balancer',
        'model_registry.routing_strategy.type',
        'model_aliases',
        'logging.level',
      ]),
    );
  });

  it('reports keys a running Olla cannot apply as waiting for a restart', () => {
    const plan = planConfigChange(
      config({}),
      config({ proxy: { engine: 'sherpa' }, server: { read_timeout: '5s', auth: { token: 'admin' } } }),
    );
    expect(plan.refusal).toBeUndefined();
    expect(plan.live).toEqual(['server.read_timeout', 'proxy.engine']);
    expect(plan.restart).toEqual(['server.auth.token']);
  });

  it('keeps listing a restart-only change until the restart, judged against the start-up config', () => {
    const started = config({});
    const tokenSet = config({ server: { auth: { token: 'admin' } } });
    expect(planConfigChange(tokenSet, tokenSet, started).restart).toEqual(['server.auth.token']);
  });

  it('applies client keys, CORS and translator settings live only when their feature was on at start-up', () => {
    const key = { name: 'ci', key: 'sk-ci-secret-0001' };
    const keysOn = config({ server: { auth: { enabled: true, keys: [key] } } });
    const keysMore = config({
      server: { auth: { enabled: true, keys: [key, { ...key, name: 'b', key: 'sk-b-0002' }] } },
    });
    expect(planConfigChange(keysOn, keysMore).live).toEqual(['server.auth.keys']);
    const keysOff = config({});
    expect(planConfigChange(keysOff, keysMore).restart).toEqual(['server.auth.enabled', 'server.auth.keys']);

    const corsOn = config({ server: { cors: { enabled: true, allowed_origins: ['https://a.example'] } } });
    const corsMoved = config({ server: { cors: { enabled: true, allowed_origins: ['https://b.example'] } } });
    expect(planConfigChange(corsOn, corsMoved).live).toEqual(['server.cors.allowed_origins']);
    expect(planConfigChange(config({}), corsMoved).restart).toEqual(
      expect.arrayContaining(['server.cors.enabled', 'server.cors.allowed_origins']),
    );

    const passthroughOff = config({ translators: { anthropic: { passthrough_enabled: false } } });
    expect(planConfigChange(config({}), passthroughOff).live).toEqual(['translators.anthropic.passthrough_enabled']);
    expect(planConfigChange(config({}), config({ translators: { anthropic: { enabled: false } } })).restart).toEqual([
      'translators.anthropic.enabled',
    ]);
  });

  it('lets a reload lower the size caps the parsers were built with, not raise them', () => {
    const started = config({ server: { request_limits: { max_body_size: '10MB' } } });
    const lower = config({ server: { request_limits: { max_body_size: '1MB' } } });
    const higher = config({ server: { request_limits: { max_body_size: '50MB' } } });
    expect(planConfigChange(started, lower).live).toEqual(['server.request_limits.max_body_size']);
    expect(planConfigChange(started, higher).restart).toEqual(['server.request_limits.max_body_size']);
  });

  it('applies fallback chains and the engine and its transport timeouts live', () => {
    const plan = planConfigChange(
      config({}),
      config({ model_fallbacks: { big: ['small'] }, proxy: { engine: 'sherpa', connection_timeout: '3s' } }),
    );
    expect(plan.live).toEqual(expect.arrayContaining(['model_fallbacks', 'proxy.engine', 'proxy.connection_timeout']));
    expect(plan.restart).toEqual([]);
  });

  it('refuses a move of the listening address, naming the key and the restart', () => {
    const plan = planConfigChange(config({}), config({ server: { port: 41000 } }));
    expect(plan.refusal).toMatch(
      /^server\.port: the listening address cannot change without a restart \(localhost:40114 -> localhost:41000\)/,
    );
  });

  it('finds nothing to do in an identical config', () => {
    expect(planConfigChange(config(endpoints('a')), config(endpoints('a')))).toEqual({ live: [], restart: [] });
  });

  it('applies rate limits live, switching them on or off too', () => {
    const on = config({ server: { rate_limits: { per_ip_requests_per_minute: 100 } } });
    const off = config({ server: { rate_limits: { per_ip_requests_per_minute: 0 } } });
    expect(planConfigChange(off, on).live).toEqual(['server.rate_limits.per_ip_requests_per_minute']);
    expect(planConfigChange(on, off).live).toEqual(['server.rate_limits.per_ip_requests_per_minute']);
    expect(planConfigChange(off, on).restart).toEqual([]);
  });
});
