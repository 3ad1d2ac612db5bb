import type { Endpoint } from './endpoint.js';

/**
 * A healthy, never-checked Ollama endpoint for tests and benches. The health and model URLs
 * follow the (possibly overridden) base URL unless given explicitly.
 */
export function fakeEndpoint(overrides: Partial<Endpoint> & { name: string }): Endpoint {
  const { name, url = `http://127.0.0.1/${name}`, ...rest } = overrides;
  // Keys in declaration order, so every fake shares one object shape in benches.
  return {
    name,
    type: 'ollama',
    url,
    healthCheckUrl: `${url}/`,
    modelUrl: `${url}/api/tags`,
    priority: 100,
    checkInterval: 5000,
    checkTimeout: 2000,
    preservePath: false,
    headers: {},
    status: 'healthy',
    lastChecked: 0,
    lastLatencyMs: 0,
    consecutiveFailures: 0,
    backoffMultiplier: 1,
    nextCheckTime: 0,
    lastError: undefined,
    ...rest,
  };
}
