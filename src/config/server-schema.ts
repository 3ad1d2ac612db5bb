/**
 * The network-facing sections: `server` (listener, timeouts, CORS, size and rate limits, our admin
 * token) and `dashboard` (its network allowlist).
 */
import { isCidr } from './cidr.js';
import { clientKeysShape, resolveClientKeys } from './client-keys-schema.js';
import { expandPlaceholders } from './expand.js';
import {
  bool,
  count,
  duration,
  integer,
  optional,
  port,
  type SchemaContext,
  section,
  size,
  text,
  textList,
  type Warn,
} from './fields.js';
import type { DashboardConfig, ServerConfig } from './types.js';
import { MIB, MINUTE, SECOND } from './units.js';

const LOCAL_NETWORK_CIDRS = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

export function serverSchema(context: SchemaContext) {
  const cors = section({
    enabled: optional(bool, false),
    allowed_origins: optional(textList, ['*'], []),
    allowed_methods: optional(textList, ['GET', 'POST', 'OPTIONS'], []),
    allowed_headers: optional(textList, ['*'], []),
    exposed_headers: optional(textList, [], []),
    allow_credentials: optional(bool, false),
    max_age: optional(integer(Number.MIN_SAFE_INTEGER), 300),
  }).superRefine((cors, ctx) => {
    // The original checks these only when CORS is on, so a switched-off block may hold anything.
    if (!cors.enabled) return;
    if (cors.allowed_origins.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowed_origins'],
        message: 'must not be empty when CORS is enabled; list origins, or ["*"] to allow any',
      });
    }
    if (cors.max_age < 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_age'],
        message: `${cors.max_age} is negative; use 0 or more seconds`,
      });
    }
    if (cors.allow_credentials && cors.allowed_origins.includes('*')) {
      ctx.addIssue({
        code: 'custom',
        path: ['allow_credentials'],
        message: 'must not be true while allowed_origins contains "*" (browsers refuse it); list the origins instead',
      });
    }
  });

  const rateLimits = section({
    global_requests_per_minute: optional(count, 1000),
    per_ip_requests_per_minute: optional(count, 100),
    health_requests_per_minute: optional(count, 1000),
    burst_size: optional(count, 50),
    per_endpoint: section({ default_requests_per_minute: optional(count, 200) }),
    cleanup_interval: optional(duration, 5 * MINUTE),
    trust_proxy_headers: optional(bool, false),
    trusted_proxy_cidrs: optional(textList, LOCAL_NETWORK_CIDRS, []),
  });

  return section({
    host: optional(text, 'localhost'),
    port: optional(port, 40114),
    read_timeout: optional(duration, 30 * SECOND),
    read_header_timeout: optional(duration, 10 * SECOND),
    write_timeout: optional(duration, 0),
    idle_timeout: optional(duration, 0),
    shutdown_timeout: optional(duration, 10 * SECOND),
    request_logging: optional(bool, true),
    watch_config: optional(bool, false),
    cors,
    request_limits: section({ max_body_size: optional(size, 100 * MIB), max_header_size: optional(size, MIB) }),
    rate_limits: rateLimits,
    auth: section({ token: optional(text, ''), ...clientKeysShape() }),
  }).transform((raw, ctx): ServerConfig => {
    const limits = raw.rate_limits;
    if (limits.burst_size === 0) {
      context.warn('server.rate_limits.burst_size', 'is 0, so every request will be throttled');
    }
    const token = expandPlaceholders(raw.auth.token, context.env);
    if (!token.ok) ctx.addIssue({ code: 'custom', path: ['auth', 'token'], message: token.reason });
    const clientKeys = resolveClientKeys(raw.auth.enabled, raw.auth.keys, context);
    for (const issue of clientKeys.issues) {
      ctx.addIssue({ code: 'custom', path: ['auth', ...issue.path], message: issue.message });
    }
    return {
      host: raw.host,
      port: raw.port,
      readTimeout: raw.read_timeout,
      readHeaderTimeout: raw.read_header_timeout,
      writeTimeout: raw.write_timeout,
      idleTimeout: raw.idle_timeout,
      shutdownTimeout: raw.shutdown_timeout,
      requestLogging: raw.request_logging,
      watchConfig: raw.watch_config,
      cors: {
        enabled: raw.cors.enabled,
        allowedOrigins: raw.cors.allowed_origins,
        allowedMethods: raw.cors.allowed_methods,
        allowedHeaders: raw.cors.allowed_headers,
        exposedHeaders: raw.cors.exposed_headers,
        allowCredentials: raw.cors.allow_credentials,
        maxAge: raw.cors.max_age,
      },
      requestLimits: {
        maxBodySize: raw.request_limits.max_body_size,
        maxHeaderSize: raw.request_limits.max_header_size,
      },
      rateLimits: {
        globalRequestsPerMinute: limits.global_requests_per_minute,
        perIpRequestsPerMinute: limits.per_ip_requests_per_minute,
        healthRequestsPerMinute: limits.health_requests_per_minute,
        burstSize: limits.burst_size,
        perEndpoint: { defaultRequestsPerMinute: limits.per_endpoint.default_requests_per_minute },
        cleanupInterval: limits.cleanup_interval,
        trustProxyHeaders: limits.trust_proxy_headers,
        trustedProxyCidrs: trustedProxyCidrs(limits.trusted_proxy_cidrs, context.warn),
      },
      auth: { token: token.ok ? token.value : '', enabled: raw.auth.enabled, keys: clientKeys.keys },
    };
  });
}

/** Like the original, an empty or unparsable list falls back to the local networks rather than failing. */
function trustedProxyCidrs(cidrs: string[], warn: Warn): string[] {
  const bad = cidrs.find((cidr) => !isCidr(cidr));
  if (bad !== undefined) {
    warn(
      'server.rate_limits.trusted_proxy_cidrs',
      `${JSON.stringify(bad)} is not a CIDR (e.g. 10.0.0.0/8); using the local networks ${LOCAL_NETWORK_CIDRS.join(', ')}`,
    );
  }
  return cidrs.length === 0 || bad !== undefined ? [...LOCAL_NETWORK_CIDRS] : cidrs;
}

export function dashboardSchema(context: SchemaContext) {
  return section({
    enabled: optional(bool, true),
    access_policy: section({
      allowed_cidrs: optional(textList, ['127.0.0.0/8', '::1/128'], []),
      allowed_hosts: optional(textList, ['localhost'], []),
    }),
    gate_internal_api: optional(bool, false),
  }).transform((raw, ctx): DashboardConfig => {
    if (raw.gate_internal_api) {
      context.warn('dashboard.gate_internal_api', 'is reserved and has no effect yet; /internal/* is not gated by it');
    }
    const cidrs = raw.access_policy.allowed_cidrs;
    // With no login in front of the dashboard, the network allowlist is its only guard.
    if (raw.enabled && cidrs.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['access_policy', 'allowed_cidrs'],
        message: 'must not be empty while the dashboard is enabled (e.g. 127.0.0.0/8)',
      });
    }
    for (const [index, cidr] of cidrs.entries()) {
      if (raw.enabled && !isCidr(cidr)) {
        ctx.addIssue({
          code: 'custom',
          path: ['access_policy', 'allowed_cidrs', index],
          message: `${JSON.stringify(cidr)} is not a CIDR (e.g. 192.168.1.0/24)`,
        });
      }
    }
    return {
      enabled: raw.enabled,
      accessPolicy: { allowedCidrs: cidrs, allowedHosts: raw.access_policy.allowed_hosts },
      gateInternalApi: raw.gate_internal_api,
    };
  });
}
