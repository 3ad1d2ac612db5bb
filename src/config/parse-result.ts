/**
 * What the small parsers of this folder return instead of throwing: a config file is user input, and
 * the caller wants every problem reported at once, each with the key it came from.
 */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parsed<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function rejected<T = never>(reason: string): ParseResult<T> {
  return { ok: false, reason };
}
