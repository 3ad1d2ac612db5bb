/**
 * What a config reload changes, as the YAML key paths a user wrote (`proxy.load_balancer`), and
 * which of those a running Olla can apply in place. Pure: compares two validated configs.
 */
import { effectiveMaxHeaderSize } from '../../adapter/security/size-limit.js';
import type { OllaConfig } from '../../config/types.js';

/** The listening address: changing it means a new socket, so the reload is refused. */
const LISTENING_ADDRESS = ['server.host', 'server.port'];

/**
 * A key (or section) a running Olla applies in place. `when` narrows that to the start-up
 * config (`started`) it was built from: a part left out at start-up because its feature was
 * off, or a parser cap fixed when the socket was created, cannot follow a reload, so those
 * changes are reported as waiting for a restart and the rest of the file is still applied.
 */
interface LiveRule {
  key: string;
  when?: (started: OllaConfig, after: OllaConfig) => boolean;
}

/** A size the start-up parser enforces as a hard cap (0 = no cap): a reload may lower it, not raise it. */
const withinCap = (cap: number, value: number) => cap <= 0 || (value > 0 && value <= cap);
const authOn = (started: OllaConfig) => started.server.auth.enabled;
const corsOn = (started: OllaConfig) => started.server.cors.enabled;
const anthropicOn = (started: OllaConfig) => started.translators.anthropic.enabled;
const responsesOn = (started: OllaConfig) => started.translators.responses.enabled;

const LIVE_RULES: readonly LiveRule[] = [
  { key: 'discovery.static.endpoints' },
  { key: 'proxy.engine' },
  { key: 'proxy.load_balancer' },
  { key: 'proxy.sticky_sessions' },
  { key: 'proxy.retry' },
  { key: 'proxy.response_timeout' },
  // Transport settings: a new transport serves requests from now, the old one drains.
  { key: 'proxy.connection_timeout' },
  { key: 'proxy.connection_keep_alive' },
  { key: 'proxy.read_timeout' },
  { key: 'proxy.response_header_timeout' },
  { key: 'proxy.tls_handshake_timeout' },
  { key: 'model_registry.routing_strategy' },
  { key: 'model_aliases' },
  { key: 'model_fallbacks' },
  { key: 'model_filter' },
  { key: 'logging.level' },
  { key: 'server.rate_limits' },
  { key: 'server.read_timeout' },
  { key: 'server.read_header_timeout' },
  { key: 'server.idle_timeout' },
  // Read when a shutdown begins, from the config in force.
  { key: 'server.shutdown_timeout' },
  {
    key: 'server.request_limits.max_body_size',
    when: (s, a) => withinCap(s.server.requestLimits.maxBodySize, a.server.requestLimits.maxBodySize),
  },
  {
    key: 'server.request_limits.max_header_size',
    when: (s, a) =>
      effectiveMaxHeaderSize(a.server.requestLimits.maxHeaderSize) <=
      effectiveMaxHeaderSize(s.server.requestLimits.maxHeaderSize),
  },
  // Client keys: the request hook and metering exist only when keys were on at start-up.
  { key: 'server.auth.keys', when: authOn },
  { key: 'server.cors.allowed_origins', when: corsOn },
  { key: 'server.cors.allowed_methods', when: corsOn },
  { key: 'server.cors.allowed_headers', when: corsOn },
  { key: 'server.cors.exposed_headers', when: corsOn },
  { key: 'server.cors.allow_credentials', when: corsOn },
  { key: 'server.cors.max_age', when: corsOn },
  // Translator routes exist only when enabled at start-up; their body parser's cap is fixed then.
  { key: 'translators.anthropic.passthrough_enabled', when: anthropicOn },
  { key: 'translators.anthropic.inspector', when: anthropicOn },
  {
    key: 'translators.anthropic.max_message_size',
    when: (s, a) =>
      anthropicOn(s) && withinCap(s.translators.anthropic.maxMessageSize, a.translators.anthropic.maxMessageSize),
  },
  { key: 'translators.responses.passthrough_enabled', when: responsesOn },
  {
    key: 'translators.responses.max_message_size',
    when: (s, a) =>
      responsesOn(s) && withinCap(s.translators.responses.maxMessageSize, a.translators.responses.maxMessageSize),
  },
];

/** Bookkeeping, not settings. */
const IGNORED = ['filename'];

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Maps whose keys are the user's names (models), compared whole as a user edits them. */
const WHOLE_MAPS = new Set(['model_aliases', 'model_fallbacks']);

/**
 * The key paths (snake_case, as in the file) whose values differ; lists and the maps under
 * `model_aliases` / `model_fallbacks` are compared whole, as a user edits them.
 */
export function changedKeys(before: unknown, after: unknown, path = ''): string[] {
  if (isRecord(before) && isRecord(after) && !WHOLE_MAPS.has(path)) {
    const out: string[] = [];
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const child = path === '' ? snakeCase(key) : `${path}.${snakeCase(key)}`;
      out.push(...changedKeys(before[key], after[key], child));
    }
    return out;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path];
}

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`);
}

export interface ConfigChangePlan {
  /** Changed keys a running Olla applies now. */
  live: string[];
  /**
   * Keys that differ from the start-up config and take effect only after a restart. Judged
   * against the start-up config, so such a change stays listed until Olla restarts.
   */
  restart: string[];
  /** Set when the reload must be refused as a whole. */
  refusal?: string;
}

function isLive(path: string, started: OllaConfig, after: OllaConfig): boolean {
  const rule = LIVE_RULES.find((r) => under(path, r.key));
  return rule !== undefined && (rule.when?.(started, after) ?? true);
}

/**
 * `startedWith` is the config Olla started with: what it built its request hooks, parsers and
 * routes from decides whether some keys can change live.
 */
export function planConfigChange(before: OllaConfig, after: OllaConfig, startedWith = before): ConfigChangePlan {
  const changed = (from: OllaConfig) =>
    changedKeys(from, after).filter((path) => !IGNORED.some((ignored) => under(path, ignored)));
  const address = (path: string) => LISTENING_ADDRESS.some((key) => under(path, key));
  const plan: ConfigChangePlan = {
    live: changed(before).filter((path) => isLive(path, startedWith, after)),
    restart: changed(startedWith).filter((path) => !isLive(path, startedWith, after) && !address(path)),
  };
  const moved = changed(before).filter(address);
  if (moved.length > 0) {
    const from = `${before.server.host}:${before.server.port}`;
    const to = `${after.server.host}:${after.server.port}`;
    plan.refusal = `${moved.join(', ')}: the listening address cannot change without a restart (${from} -> ${to}); nothing was applied, restart Olla to move it`;
  }
  return plan;
}
