/**
 * `discovery.static.endpoints[]`: every field of an endpoint, its defaults (those the original fills
 * in when a field is left out), its outbound auth and headers resolved, and the checks the original
 * makes before it accepts the list.
 */
import * as z from 'zod';
import { type AuthBlock, resolveEndpointAuth } from './auth.js';
import { formatDuration } from './duration.js';
import { parseEndpointUrl } from './endpoint-url.js';
import { expandPlaceholders } from './expand.js';
import { bool, count, duration, integer, optional, required, type SchemaContext, text, textList } from './fields.js';
import { outlierOverrideSchema } from './outlier-schema.js';
import { type ParseResult, parsed, rejected } from './parse-result.js';
import type { EndpointConfig, FilterConfig } from './types.js';

const DEFAULT_CHECK_INTERVAL_MS = 5_000;
const DEFAULT_CHECK_TIMEOUT_MS = 2_000;
const MIN_CHECK_INTERVAL_MS = 1_000;
const MAX_CHECK_TIMEOUT_MS = 30_000;
const DEFAULT_PRIORITY = 100;

const nonEmptyText = (input: unknown): ParseResult<string> => {
  const result = text(input);
  return result.ok && result.value.trim() === '' ? rejected('is required') : result;
};

const url = (input: unknown): ParseResult<string> => {
  const result = nonEmptyText(input);
  return result.ok ? parseEndpointUrl(result.value) : result;
};

const headerMap = (input: unknown): ParseResult<Record<string, string>> => {
  // Said without the value: a misplaced header line may well be a credential.
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return rejected('must be a mapping of header names to values');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    const result = text(value);
    if (!result.ok) return rejected(`header ${JSON.stringify(name)}: ${result.reason}`);
    headers[name] = result.value;
  }
  return parsed(headers);
};

/** `model_filter` / `profile_filter`: absent means no filter, which is not the same as an empty one. */
export const filterSchema = z.preprocess(
  (input) => input ?? undefined,
  z
    .object({ include: optional(textList, []), exclude: optional(textList, []) })
    .optional()
    .transform((filter): FilterConfig | undefined => filter && { include: filter.include, exclude: filter.exclude }),
);

/**
 * Why a glob cannot mean what it seems to, or undefined when it is fine. The matcher treats a `*`
 * anywhere but the ends as a literal, so such a pattern would silently match nothing; the
 * original refuses the same shapes.
 */
export function globPatternProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'is empty';
  if (pattern.includes('**')) return 'has "**", which is not supported';
  const inner = pattern.slice(1, -1);
  if (pattern.length > 1 && inner.includes('*')) return 'has a "*" other than at the start or end';
  return undefined;
}

/** The top-level `model_filter`, applied to every endpoint before its own; its patterns are checked. */
export const globalModelFilterSchema = filterSchema.superRefine((filter, ctx) => {
  for (const key of ['include', 'exclude'] as const) {
    filter?.[key].forEach((pattern, index) => {
      const problem = globPatternProblem(pattern);
      if (problem)
        ctx.addIssue({ code: 'custom', path: [key, index], message: `${JSON.stringify(pattern)} ${problem}` });
    });
  }
});

const authSecret = optional(text, '');
const authSchema = z.preprocess(
  (input) => input ?? undefined,
  z
    .object({
      type: authSecret,
      header: authSecret,
      token: authSecret,
      token_file: authSecret,
      key: authSecret,
      key_file: authSecret,
      username: authSecret,
      username_file: authSecret,
      password: authSecret,
      password_file: authSecret,
    } satisfies Record<keyof AuthBlock, unknown>)
    .optional(),
);

export function endpointListSchema(context: SchemaContext, path: string, fallback: readonly EndpointConfig[]) {
  const endpoint = z
    .object({
      url: required(url),
      name: required(nonEmptyText),
      type: optional(text, ''),
      priority: optional(integer(0), DEFAULT_PRIORITY),
      model_url: optional(text, ''),
      health_check_url: optional(text, ''),
      check_interval: optional(duration, DEFAULT_CHECK_INTERVAL_MS),
      check_timeout: optional(duration, DEFAULT_CHECK_TIMEOUT_MS),
      preserve_path: optional(bool, false),
      headers: optional(headerMap, {}),
      auth: authSchema,
      model_filter: filterSchema,
      // -1 = not set: the profile's value applies (see proxy.queue).
      max_concurrent_requests: optional(count, -1),
      outlier_detection: outlierOverrideSchema,
    })
    .transform((raw, ctx): EndpointConfig => {
      // Zero means "not set" here, as in the original, so a zero never trips the minimum below.
      const checkInterval = raw.check_interval || DEFAULT_CHECK_INTERVAL_MS;
      const checkTimeout = raw.check_timeout || DEFAULT_CHECK_TIMEOUT_MS;
      if (checkInterval < MIN_CHECK_INTERVAL_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['check_interval'],
          message: `${formatDuration(checkInterval)} is too short (at least ${formatDuration(MIN_CHECK_INTERVAL_MS)})`,
        });
      }
      if (checkTimeout > MAX_CHECK_TIMEOUT_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['check_timeout'],
          message: `${formatDuration(checkTimeout)} is too long (at most ${formatDuration(MAX_CHECK_TIMEOUT_MS)})`,
        });
      } else if (checkTimeout >= checkInterval) {
        ctx.addIssue({
          code: 'custom',
          path: ['check_timeout'],
          message: `${formatDuration(checkTimeout)} must be shorter than check_interval (${formatDuration(checkInterval)})`,
        });
      }

      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(raw.headers)) {
        const expanded = expandPlaceholders(value, context.env);
        if (expanded.ok) headers[name] = expanded.value;
        else ctx.addIssue({ code: 'custom', path: ['headers', name], message: expanded.reason });
      }

      const endpoint: EndpointConfig = {
        url: raw.url,
        name: raw.name,
        type: raw.type,
        priority: raw.priority,
        modelUrl: raw.model_url,
        healthCheckUrl: raw.health_check_url,
        checkInterval,
        checkTimeout,
        preservePath: raw.preserve_path,
        headers,
      };
      if (raw.model_filter) endpoint.modelFilter = raw.model_filter;
      if (raw.max_concurrent_requests >= 0) endpoint.maxConcurrentRequests = raw.max_concurrent_requests;
      if (raw.outlier_detection !== undefined) endpoint.outlierDetection = raw.outlier_detection;
      if (raw.auth) {
        const resolved = resolveEndpointAuth(raw.auth, context);
        if ('auth' in resolved) endpoint.auth = resolved.auth;
        else {
          for (const problem of resolved.problems) {
            ctx.addIssue({ code: 'custom', path: ['auth', problem.key], message: problem.message });
          }
        }
      }
      return endpoint;
    });

  return z
    .preprocess(
      (input) => (input === null ? [] : input),
      z.array(endpoint).default(() => structuredClone(fallback) as EndpointConfig[]),
    )
    .superRefine((endpoints, ctx) => {
      const firstByName = new Map<string, number>();
      const firstByUrl = new Map<string, number>();
      for (const [index, endpoint] of endpoints.entries()) {
        const earlier = firstByName.get(endpoint.name);
        if (earlier === undefined) firstByName.set(endpoint.name, index);
        else {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'name'],
            message: `${JSON.stringify(endpoint.name)} is already the name of endpoints[${earlier}]; names must be unique`,
          });
        }
        const sameUrl = firstByUrl.get(endpoint.url);
        if (sameUrl === undefined) firstByUrl.set(endpoint.url, index);
        else
          context.warn(
            `${path}[${index}].url`,
            `is the same as endpoints[${sameUrl}].url; only one of them will be used`,
          );
        if (endpoint.type === '') {
          context.warn(
            `${path}[${index}].type`,
            'is empty; the endpoint gets no profile (set ollama, vllm, lm-studio, ...)',
          );
        }
      }
    });
}
