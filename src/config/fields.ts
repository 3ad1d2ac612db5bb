/**
 * Zod building blocks for the config schema. Leaves accept `unknown` and parse it themselves so that
 * each message names the bad value and what is allowed (`70000 is not a port (1-65535)`); the schema
 * only arranges them into sections. A missing or null key takes the leaf's default.
 */
import * as z from 'zod';
import { parseDuration } from './duration.js';
import { type ParseResult, parsed, rejected } from './parse-result.js';
import { parseSize } from './size.js';
import type { Bytes, DurationMs } from './types.js';

/** Collects a non-fatal finding; `path` is the dotted key path (`logging.level`). */
export type Warn = (path: string, message: string) => void;

/** What the schema's sections read besides the document. */
export interface SchemaContext {
  /** For `${VAR}` placeholders in credentials, headers and the admin token. */
  env: NodeJS.ProcessEnv;
  /** Relative secret files and the inspector directory resolve against this directory. */
  cwd: string;
  warn: Warn;
}

type Parser<T> = (input: unknown) => ParseResult<T>;

/** A key that must be present. */
export function required<T>(parse: Parser<T>) {
  return z.unknown().transform((input, ctx): T => {
    if (input === undefined || input === null) {
      ctx.addIssue({ code: 'custom', message: 'is required' });
      return z.NEVER;
    }
    return reportFailure(parse(input), ctx);
  });
}

/**
 * A key with a default. `whenNull` covers the one place YAML and Go part ways: an empty list key
 * (`endpoints:` with every entry commented out) empties the list rather than restoring the default.
 */
export function optional<T extends {}>(parse: Parser<T>, fallback: T, whenNull: T = fallback) {
  return (
    z
      .unknown()
      .transform(
        (input, ctx): T =>
          input === null || input === undefined ? structuredClone(whenNull) : reportFailure(parse(input), ctx),
      )
      // A fresh copy each time, so no caller can change the default another one sees.
      .default(() => structuredClone(fallback) as z.util.NoUndefined<Awaited<T>>)
  );
}

function reportFailure<T>(result: ParseResult<T>, ctx: z.RefinementCtx): T {
  if (result.ok) return result.value;
  ctx.addIssue({ code: 'custom', message: result.reason });
  return z.NEVER;
}

/** A key whose absence matters: absent or null stays `undefined` rather than taking a default. */
export function maybe<T>(parse: Parser<T>) {
  return z
    .unknown()
    .transform((input, ctx): T | undefined => {
      if (input === undefined || input === null) return undefined;
      return reportFailure(parse(input), ctx);
    })
    .optional();
}

/** A mapping of keys; absent or null means "all defaults". */
export function section<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess((input) => input ?? {}, z.object(shape)).prefault({});
}

// ---- parsers ----------------------------------------------------------------------------------

/** How a value appears in a message: scalars as written, collections only by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

// yaml.v3 (the original's decoder) still reads YAML 1.1 words into bool fields, so configs use them.
const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off']);

export const bool: Parser<boolean> = (input) => {
  if (typeof input === 'boolean') return parsed(input);
  if (typeof input === 'string') {
    const word = input.toLowerCase();
    if (TRUE_WORDS.has(word)) return parsed(true);
    if (FALSE_WORDS.has(word)) return parsed(false);
  }
  return rejected(`${describeValue(input)} is not true or false`);
};

/** A string key; YAML numbers and booleans count, as they do for the original's string fields. */
export const text: Parser<string> = (input) => {
  if (typeof input === 'string') return parsed(input);
  if (typeof input === 'number' || typeof input === 'boolean') return parsed(String(input));
  return rejected(`${describeValue(input)} is not a string`);
};

export const textList: Parser<string[]> = (input) => {
  if (!Array.isArray(input)) return rejected(`${describeValue(input)} is not a list of strings`);
  const items: string[] = [];
  for (const [index, item] of input.entries()) {
    const result = text(item);
    if (!result.ok) return rejected(`item ${index}: ${result.reason}`);
    items.push(result.value);
  }
  return parsed(items);
};

/** A whole number in a range; `what` names it in messages (`70000 is not a port (1-65535)`). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER, what = 'a whole number'): Parser<number> {
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `(${min}-${max})`;
  return (input) =>
    typeof input === 'number' && Number.isInteger(input) && input >= min && input <= max
      ? parsed(input)
      : rejected(`${describeValue(input)} is not ${what} ${range}`);
}

export const port = integer(1, 65_535, 'a port');
export const count = integer(0);

/** A duration of zero or more. A bare 0 is accepted since it needs no unit. */
export const duration: Parser<DurationMs> = (input) => {
  if (input === 0) return parsed(0);
  if (typeof input === 'number') return rejected(`${input} has no unit; write it as ${input}s or ${input}ms`);
  if (typeof input !== 'string') return rejected(`${describeValue(input)} is not a duration (e.g. 500ms, 30s, 1h30m)`);
  const result = parseDuration(input);
  if (result.ok && result.value < 0) return rejected(`${describeValue(input)} is negative; use 0s or more`);
  return result;
};

/** A duration longer than zero. */
export const positiveDuration: Parser<DurationMs> = (input) => {
  const result = duration(input);
  return result.ok && result.value <= 0 ? rejected('must be longer than 0s') : result;
};

export const size: Parser<Bytes> = (input) =>
  typeof input === 'number' || typeof input === 'string'
    ? parseSize(input)
    : rejected(`${describeValue(input)} is not a size (bytes, or a size like 512KB, 100MB, 1GiB)`);

export function oneOf<const T extends string>(allowed: readonly T[]): Parser<T> {
  return (input) =>
    typeof input === 'string' && (allowed as readonly string[]).includes(input)
      ? parsed(input as T)
      : rejected(`${describeValue(input)} is not one of ${allowed.join(', ')}`);
}

/**
 * For keys the original tolerates when wrong (it logs and falls back, e.g. `logging.level`): a bad
 * value becomes a warning and the default, so a config that starts the original starts here too.
 */
export function lenient<T extends {}>(parse: Parser<T>, fallback: T, path: string, warn: Warn) {
  return optional<T>((input) => {
    const result = parse(input);
    if (result.ok) return result;
    warn(path, `${result.reason}; using ${describeValue(fallback)}`);
    return parsed(fallback);
  }, fallback);
}
