import type { Endpoint, EndpointView } from '../../../core/domain/endpoint.js';

/** What the status routes may show of an endpoint: never its credentials or configured headers. */
export function endpointView(endpoint: Endpoint): EndpointView {
  return {
    name: endpoint.name,
    type: endpoint.type,
    url: endpoint.url,
    status: endpoint.status,
    priority: endpoint.priority,
    healthCheckUrl: endpoint.healthCheckUrl,
    modelUrl: endpoint.modelUrl,
    lastChecked: endpoint.lastChecked,
    lastLatencyMs: endpoint.lastLatencyMs,
    consecutiveFailures: endpoint.consecutiveFailures,
    nextCheckTime: endpoint.nextCheckTime,
    lastError: endpoint.lastError,
  };
}
