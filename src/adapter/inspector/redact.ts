/**
 * Field names whose values are credentials wherever they appear in a body: a client can put an
 * API key in metadata, a tool schema or a tool result as easily as in a header.
 */
const CREDENTIAL_KEY =
  /^(authorization|proxy-authorization|x-api-key|api[-_]?key|cookie|set-cookie|password|passwd|secret|client[-_]?secret|(access|refresh|id|bearer|auth)[-_]?token|token)$/i;

export const REDACTED = '[redacted]';

/** A copy of a JSON value with every credential-named field's value replaced by `[redacted]`. */
export function redactCredentials(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactCredentials);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = CREDENTIAL_KEY.test(key) ? REDACTED : redactCredentials(field);
  }
  return out;
}
