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
    const plan = planConfigChange(config({}), config({ proxy: { engine: 'sherpa' }, server: { read_timeout: '5s' } }));
    expect(plan.refusal).toBeUndefined();
    expect(plan.restart).toEqual(['server.read_timeout', 'proxy.engine']);
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

  it('applies rate limits live only when the limiter was on at start-up', () => {
    const on = config({ server: { rate_limits: { per_ip_requests_per_minute: 100 } } });
    const off = config({ server: { rate_limits: { per_ip_requests_per_minute: 0 } } });
    const raised = config({ server: { rate_limits: { per_ip_requests_per_minute: 500 } } });
    expect(planConfigChange(on, raised).live).toEqual(['server.rate_limits.per_ip_requests_per_minute']);
    expect(planConfigChange(off, raised).restart).toEqual(['server.rate_limits.per_ip_requests_per_minute']);
    // Judged by the start-up config, not the one the last reload applied.
    expect(planConfigChange(on, off, on).live).toEqual(['server.rate_limits.per_ip_requests_per_minute']);
    expect(planConfigChange(off, raised, on).live).toEqual(['server.rate_limits.per_ip_requests_per_minute']);
  });
});
