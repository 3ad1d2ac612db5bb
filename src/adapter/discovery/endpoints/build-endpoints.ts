import type { EndpointConfig } from '../../../config/types.js';
import type { Endpoint } from '../../../core/domain/endpoint.js';
import { ConfigError } from '../../../core/errors.js';
import { AUTO_TYPE, type ProfileRegistry } from '../../profile/profile-registry.js';
import { composeAuthHeader } from './auth-header.js';
import { ConfiguredEndpoint } from './configured-endpoint.js';
import { resolveUrlPath, trimTrailingSlashes } from './resolve-url.js';

// The Go original's endpoint defaults (adapter/discovery/repository.go). The config loader
// fills them too; they are repeated here only for configs built in code.
export const DEFAULT_PRIORITY = 100;
export const DEFAULT_CHECK_INTERVAL_MS = 5_000;
export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;
/** Used when the type has no profile (`auto` or empty) or the profile leaves the path blank. */
const FALLBACK_HEALTH_PATH = '/';
const FALLBACK_MODEL_PATH = '/v1/models';

/**
 * Turn configured endpoints (already validated by the config loader: URL, timings, unique
 * names, resolved auth) into live `Endpoint`s, adding what needs the profiles:
 * - the type under its canonical profile name (`lmstudio` → `lm-studio`; empty and `auto`
 *   stay as they are); an unknown type is a ConfigError listing the known ones;
 * - health and model URLs from the profile's `health_check_path` / `model_discovery_path`
 *   (else `/` and `/v1/models`), joined onto the base URL keeping its path prefix;
 * - the outbound auth header, composed once.
 * Priority defaults to 100 as in the original: a profile's `default_priority` is not used.
 */
export function buildEndpoints(
  configs: readonly EndpointConfig[],
  profiles: ProfileRegistry,
  now = Date.now(),
): Endpoint[] {
  const issues: string[] = [];
  // The original keys endpoints by URL, so a later entry with the same URL replaces an
  // earlier one (the config loader warns about it).
  const byUrl = new Map<string, ConfiguredEndpoint>();
  for (const config of configs) {
    const type = resolveType(config, profiles, issues);
    if (type === undefined) continue;
    const endpoint = buildEndpoint(config, type, profiles, now);
    byUrl.set(endpoint.url, endpoint);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return [...byUrl.values()];
}

function buildEndpoint(
  config: EndpointConfig,
  type: string,
  profiles: ProfileRegistry,
  now: number,
): ConfiguredEndpoint {
  const profile = profiles.get(type);
  const healthPath = config.healthCheckUrl || profile?.api.healthCheckPath || FALLBACK_HEALTH_PATH;
  const modelPath = config.modelUrl || profile?.api.modelDiscoveryPath || FALLBACK_MODEL_PATH;
  return new ConfiguredEndpoint(
    {
      name: config.name,
      type,
      url: trimTrailingSlashes(config.url),
      healthCheckUrl: resolveUrlPath(config.url, healthPath),
      modelUrl: resolveUrlPath(config.url, modelPath),
      priority: config.priority ?? DEFAULT_PRIORITY,
      checkInterval: config.checkInterval || DEFAULT_CHECK_INTERVAL_MS,
      checkTimeout: config.checkTimeout || DEFAULT_CHECK_TIMEOUT_MS,
      preservePath: config.preservePath,
      headers: config.headers,
      authHeader: config.auth && composeAuthHeader(config.auth),
    },
    now,
  );
}

/** The type to store: the canonical profile name, or empty/`auto` as configured. */
function resolveType(config: EndpointConfig, profiles: ProfileRegistry, issues: string[]): string | undefined {
  if (config.type === '' || config.type === AUTO_TYPE) return config.type;
  const name = profiles.resolveType(config.type);
  if (name === undefined) {
    const known = [...profiles.names(), AUTO_TYPE].join(', ');
    issues.push(`endpoint "${config.name}": unsupported type "${config.type}"; supported types: ${known}`);
  }
  return name;
}
