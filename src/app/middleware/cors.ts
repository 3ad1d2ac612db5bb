import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CorsConfig } from '../../config/types.js';
import { OLLA_RESPONSE_HEADERS } from '../../core/constants.js';

/**
 * Cross-origin access for browser clients (OpenWebUI, dashboards); off unless configured. Behaves
 * as the original's rs/cors setup: requests without an Origin (curl, SDKs, agents) pass untouched,
 * preflights are answered before any other hook (auth, rate limits) sees them, and with no
 * exposed headers configured every X-Olla-* response header is readable from the browser.
 */

type OriginRule = string | RegExp;

/** `https://*.example.com` style entries become patterns, as rs/cors allows; `*` means any. */
function originRules(allowed: readonly string[]): '*' | OriginRule[] {
  if (allowed.includes('*')) return '*';
  return allowed.map((origin) => {
    if (!origin.includes('*')) return origin;
    const escaped = origin.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
    return new RegExp(`^${escaped}$`, 'i');
  });
}

/** Options for each kind of request, built once; the delegator only picks one. */
function optionSets(config: CorsConfig) {
  const allowAnyHeader = config.allowedHeaders.length === 0 || config.allowedHeaders.includes('*');
  const actual = {
    origin: originRules(config.allowedOrigins),
    methods: config.allowedMethods,
    // null reflects the requested headers, which is what rs/cors does for "*".
    allowedHeaders: allowAnyHeader ? null : config.allowedHeaders,
    exposedHeaders: config.exposedHeaders.length > 0 ? config.exposedHeaders : [...OLLA_RESPONSE_HEADERS],
    credentials: config.allowCredentials,
    maxAge: config.maxAge > 0 ? config.maxAge : null,
    preflight: false,
  } as unknown as FastifyCorsOptions;
  return {
    noOrigin: { origin: false } as FastifyCorsOptions,
    actual,
    preflight: { ...actual, preflight: true } as FastifyCorsOptions,
  };
}

function isPreflight(request: FastifyRequest): boolean {
  return request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
}

/** Replaces the CORS settings for requests from now (a config reload). */
export type CorsReconfigure = (config: CorsConfig) => void;

/**
 * Registers CORS on the root instance when enabled. Await it before adding other onRequest hooks:
 * hooks run in the order they were added, and preflights must be answered first. Resolves to a
 * function that swaps the settings (the plugin and its OPTIONS route stay, so switching CORS on
 * or off takes a restart); undefined when CORS is off.
 */
export async function registerCors(app: FastifyInstance, config: CorsConfig): Promise<CorsReconfigure | undefined> {
  if (!config.enabled) return undefined;
  let options = optionSets(config);
  await app.register(fastifyCors, {
    hideOptionsRoute: true,
    delegator: (request, callback) => {
      if (request.headers.origin === undefined) callback(null, options.noOrigin);
      else callback(null, isPreflight(request) ? options.preflight : options.actual);
    },
  });
  return (next) => {
    options = optionSets(next);
  };
}
