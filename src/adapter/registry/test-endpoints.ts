import type { Endpoint } from '../../core/domain/endpoint.js';

/** A minimal routable endpoint for registry, router and listing tests. */
export function testEndpoint(name: string, type = 'ollama', url = `http://127.0.0.1/${name}`): Endpoint {
  return {
    name,
    type,
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
  };
}
