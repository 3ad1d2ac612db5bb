/**
 * Defensive readers for untrusted JSON. Backends disagree on types (a number sent as a string,
 * `null` where an object belongs), so each reader answers `undefined` rather than throwing and a
 * bad field costs only that field.
 */

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A positive, finite integer (sizes, context lengths, timestamps). */
export function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.trunc(value) : undefined;
}

export function stringArray(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out = value.filter((v): v is string => typeof v === 'string');
  return out.length > 0 ? out : undefined;
}

/** The array under `key`, or undefined when the body has no such list (a bad response). */
export function listAt(json: unknown, key: string): unknown[] | undefined {
  const list = asObject(json)?.[key];
  return Array.isArray(list) ? list : undefined;
}

/** Unix seconds to RFC 3339, as the original renders `created`. */
export function unixSecondsToIso(seconds: number | undefined): string | undefined {
  if (seconds === undefined) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Any timestamp string Date can read, normalised to ISO; garbage is dropped. */
export function isoTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
