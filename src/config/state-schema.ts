/**
 * `state:` — where state shared by several Olla instances lives. Without `state.redis.url` every
 * instance keeps its own (the embedded default, nothing to install); with it, sticky pins, rate
 * limits and the other shared pieces live on one Redis or Valkey server.
 */
import { bool, duration, optional, type SchemaContext, section, text } from './fields.js';
import { resolveSecret } from './secret.js';
import type { StateConfig } from './types.js';

const REDIS_SCHEMES = ['redis:', 'rediss:'];

function checkRedisUrl(value: string): string | undefined {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(value);
  } catch {
    return 'is not a URL; write it as redis://host:6379 (or rediss:// for TLS)';
  }
  if (!REDIS_SCHEMES.includes(parsedUrl.protocol)) {
    return `has scheme ${JSON.stringify(parsedUrl.protocol.replace(/:$/, ''))}; use redis:// or rediss://`;
  }
  if (parsedUrl.password !== '') {
    return 'has a password in it; move it to state.redis.password or state.redis.password_file so it is never logged';
  }
  return undefined;
}

export function stateSchema(context: SchemaContext) {
  return section({
    redis: section({
      url: optional(text, ''),
      key_prefix: optional(text, 'olla:'),
      password: optional(text, ''),
      password_file: optional(text, ''),
      tls: optional(bool, false),
      // Milliseconds. A round trip on loopback or a LAN is well under one; past this the local answer wins.
      timeout: optional(duration, 5),
    }),
  }).transform((raw, ctx): StateConfig => {
    const redis = raw.redis;
    if (redis.url === '') return { redis: undefined };
    const urlProblem = checkRedisUrl(redis.url);
    if (urlProblem) ctx.addIssue({ code: 'custom', path: ['redis', 'url'], message: urlProblem });
    if (redis.timeout <= 0)
      ctx.addIssue({ code: 'custom', path: ['redis', 'timeout'], message: 'must be more than 0' });
    let password: string | undefined;
    if (redis.password !== '' && redis.password_file !== '') {
      ctx.addIssue({ code: 'custom', path: ['redis', 'password'], message: 'and password_file are both set; use one' });
    } else if (redis.password !== '' || redis.password_file !== '') {
      const secret = resolveSecret(redis.password, redis.password_file, context);
      if (typeof secret === 'string') password = secret;
      else
        ctx.addIssue({
          code: 'custom',
          path: ['redis', secret.from === 'file' ? 'password_file' : 'password'],
          message: secret.message,
        });
    }
    return {
      redis: {
        url: redis.url,
        keyPrefix: redis.key_prefix,
        password,
        tls: redis.tls || redis.url.startsWith('rediss:'),
        timeout: redis.timeout,
      },
    };
  });
}
