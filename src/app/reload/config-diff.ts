/**
 * What a config reload changes, as the YAML key paths a user wrote (`proxy.load_balancer`), and
 * which of those a running Olla can apply in place. Pure: compares two validated configs.
 */
import type { OllaConfig } from '../../config/types.js';

/** The listening address: changing it means a new socket, so the reload is refused. */
const LISTENING_ADDRESS = ['server.host', 'server.port'];

/**
 * Keys (or sections) applied in place. Everything else that changed is reported as taking
 * effect after a restart, and the rest of the file is still applied.
 */
const APPLIED_LIVE = [
  'discovery.static.endpoints',
  'proxy.load_balancer',
  'proxy.sticky_sessions',
  'proxy.retry',
  'proxy.response_timeout',
  'model_registry.routing_strategy',
  'model_aliases',
  'model_filter',
  'logging.level',
];

/**
 * The limits the rate limiter applies itself. Live only when its request hook exists, which is
 * when the per-client limit was on at start-up (off, the hook is left out to cost nothing).
 */
export const RATE_LIMIT_KEYS = [
  'server.rate_limits.global_requests_per_minute',
  'server.rate_limits.per_ip_requests_per_minute',
  'server.rate_limits.health_requests_per_minute',
  'server.rate_limits.burst_size',
  'server.rate_limits.cleanup_interval',
];

/** Bookkeeping, not settings. */
const IGNORED = ['filename'];

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The key paths (snake_case, as in the file) whose values differ; lists and the maps under
 * `model_aliases` are compared whole, as a user edits them.
 */
export function changedKeys(before: unknown, after: unknown, path = ''): string[] {
  if (isRecord(before) && isRecord(after) && path !== 'model_aliases') {
    const out: string[] = [];
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const child = path === '' ? snakeCase(key) : `${path}.${snakeCase(key)}`;
      out.push(...changedKeys(before[key], after[key], child));
    }
    return out;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path];
}

function under(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}.`));
}

export interface ConfigChangePlan {
  /** Changed keys a running Olla applies now. */
  live: string[];
  /** Changed keys that take effect only after a restart. */
  restart: string[];
  /** Set when the reload must be refused as a whole. */
  refusal?: string;
}

/**
 * `startedWith` is the config Olla started with: what it built its request hooks from decides
 * whether some keys can change live.
 */
export function planConfigChange(before: OllaConfig, after: OllaConfig, startedWith = before): ConfigChangePlan {
  const changed = changedKeys(before, after).filter((path) => !under(path, IGNORED));
  const live =
    startedWith.server.rateLimits.perIpRequestsPerMinute > 0 ? [...APPLIED_LIVE, ...RATE_LIMIT_KEYS] : APPLIED_LIVE;
  const plan: ConfigChangePlan = {
    live: changed.filter((path) => under(path, live)),
    restart: changed.filter((path) => !under(path, live) && !under(path, LISTENING_ADDRESS)),
  };
  const address = changed.filter((path) => under(path, LISTENING_ADDRESS));
  if (address.length > 0) {
    const from = `${before.server.host}:${before.server.port}`;
    const to = `${after.server.host}:${after.server.port}`;
    plan.refusal = `${address.join(', ')}: the listening address cannot change without a restart (${from} -> ${to}); nothing was applied, restart Olla to move it`;
  }
  return plan;
}
