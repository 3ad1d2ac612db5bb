/** The `proxy` section: engine, balancer, transport timeouts, sticky sessions and retry. */
import * as z from 'zod';
import { filterSchema } from './endpoint-schema.js';
import {
  bool,
  count,
  duration,
  integer,
  lenient,
  oneOf,
  optional,
  positiveDuration,
  type SchemaContext,
  section,
  size,
  textList,
} from './fields.js';
import { outlierDetectionSchema } from './outlier-schema.js';
import { type ParseResult, parsed } from './parse-result.js';
import type { BalancerName, ProxyConfig, ProxyEngineName, ProxyProfileName, StickyKeySource } from './types.js';
import { MINUTE, SECOND } from './units.js';

const PROXY_ENGINES: readonly ProxyEngineName[] = ['sherpa', 'olla'];
const BALANCERS: readonly BalancerName[] = ['priority', 'round-robin', 'least-connections'];
const PROXY_PROFILES: readonly ProxyProfileName[] = ['auto', 'streaming', 'standard'];
const STICKY_KEY_SOURCES: readonly StickyKeySource[] = ['session_header', 'prefix_hash', 'auth_header', 'ip'];

const percent = integer(0, 100, 'a percentage from 0 to 100');
export function proxySchema(context: SchemaContext) {
  const stickyKeySources = (input: unknown): ParseResult<StickyKeySource[]> => {
    const list = textList(input);
    if (!list.ok) return list;
    const known = list.value.filter((source): source is StickyKeySource => {
      if ((STICKY_KEY_SOURCES as readonly string[]).includes(source)) return true;
      context.warn(
        'proxy.sticky_sessions.key_sources',
        `${JSON.stringify(source)} is not one of ${STICKY_KEY_SOURCES.join(', ')} (ignored)`,
      );
      return false;
    });
    return parsed(known);
  };
  // The original reads an empty profile as auto.
  const proxyProfile = (input: unknown) =>
    input === '' ? parsed<ProxyProfileName>('auto') : oneOf(PROXY_PROFILES)(input);
  const deprecated = (key: string, advice: string) =>
    z
      .unknown()
      .transform(() => context.warn(`proxy.${key}`, `is deprecated and has no effect; ${advice}`))
      .optional();

  return section({
    engine: optional(oneOf(PROXY_ENGINES), 'olla'),
    profile: lenient(proxyProfile, 'auto', 'proxy.profile', context.warn),
    load_balancer: optional(oneOf(BALANCERS), 'least-connections'),
    // Read so a Go config loads unchanged; there is no copy buffer here to size (see README).
    stream_buffer_size: optional(size, 0),
    connection_timeout: optional(duration, 60 * SECOND),
    connection_keep_alive: optional(duration, 30 * SECOND),
    response_timeout: optional(duration, 15 * MINUTE),
    read_timeout: optional(duration, 10 * MINUTE),
    response_header_timeout: optional(duration, 30 * SECOND),
    tls_handshake_timeout: optional(duration, 10 * SECOND),
    sticky_sessions: section({
      enabled: optional(bool, false),
      idle_ttl_seconds: optional(count, 600),
      max_sessions: optional(count, 10_000),
      key_sources: optional<StickyKeySource[]>(stickyKeySources, ['session_header', 'prefix_hash', 'auth_header'], []),
      prefix_hash_bytes: optional(count, 512),
    }),
    retry: section({
      enabled: optional(bool, true),
      on_connection_failure: optional(bool, true),
      max_attempts: optional(count, 0),
      budget_percent: optional(percent, 20),
      budget_window: optional(positiveDuration, 10 * SECOND),
    }),
    outlier_detection: outlierDetectionSchema,
    profile_filter: filterSchema,
    prefer_loaded_models: optional(bool, true),
    queue: section({
      enabled: optional(bool, false),
      max_size: optional(count, 100),
      max_wait: optional(duration, 30 * SECOND),
    }),
    max_retries: deprecated('max_retries', 'failed requests are retried on the other endpoints (see proxy.retry)'),
    retry_backoff: deprecated('retry_backoff', 'unhealthy endpoints back off on their own'),
  }).transform((raw): ProxyConfig => {
    const proxy: ProxyConfig = {
      engine: raw.engine,
      profile: raw.profile,
      loadBalancer: raw.load_balancer,
      connectionTimeout: raw.connection_timeout,
      connectionKeepAlive: raw.connection_keep_alive,
      responseTimeout: raw.response_timeout,
      readTimeout: raw.read_timeout,
      responseHeaderTimeout: raw.response_header_timeout,
      tlsHandshakeTimeout: raw.tls_handshake_timeout,
      stickySessions: {
        enabled: raw.sticky_sessions.enabled,
        idleTtlSeconds: raw.sticky_sessions.idle_ttl_seconds,
        maxSessions: raw.sticky_sessions.max_sessions,
        keySources: raw.sticky_sessions.key_sources,
        prefixHashBytes: raw.sticky_sessions.prefix_hash_bytes,
      },
      retry: {
        enabled: raw.retry.enabled,
        onConnectionFailure: raw.retry.on_connection_failure,
        maxAttempts: raw.retry.max_attempts,
        budgetPercent: raw.retry.budget_percent,
        budgetWindow: raw.retry.budget_window,
      },
      outlierDetection: raw.outlier_detection,
      preferLoadedModels: raw.prefer_loaded_models,
      queue: { enabled: raw.queue.enabled, maxSize: raw.queue.max_size, maxWait: raw.queue.max_wait },
    };
    if (raw.profile_filter) proxy.profileFilter = raw.profile_filter;
    return proxy;
  });
}
