/**
 * Finds a top-level field of a JSON object in raw bytes without parsing the whole document.
 * The proxy only needs `model` (and sticky sessions the start of `messages`) from bodies that
 * can be megabytes of chat history; scanning by character code and skipping nested values is
 * far cheaper than JSON.parse and lets the original bytes go upstream untouched.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

export interface FieldSpan {
  /** Byte offset of the value's first byte (the opening quote for strings). */
  start: number;
  /** Byte offset just past the value's last byte. */
  end: number;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index of the first byte at or after `i` that is not JSON white space. */
export function skipSpace(buf: Uint8Array, i: number): number {
  while (i < buf.length && isSpace(buf[i]!)) i++;
  return i;
}

/** Index just past the string that opens at `i` (a quote), or -1 when unterminated. */
function skipString(buf: Uint8Array, i: number): number {
  // optimisation: strings are most of a chat body; jump between quotes with the native
  // indexOf and only then count the backslashes that might escape the quote found.
  let from = i + 1;
  for (;;) {
    const quote = buf.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let slashes = 0;
    for (let k = quote - 1; k > i && buf[k] === BACKSLASH; k--) slashes++;
    if ((slashes & 1) === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Index just past the value starting at `i`, or -1 when malformed or truncated. */
function skipValue(buf: Uint8Array, i: number): number {
  const c = buf[i];
  if (c === undefined) return -1;
  if (c === QUOTE) return skipString(buf, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < buf.length; j++) {
      const d = buf[j]!;
      if (d === QUOTE) {
        j = skipString(buf, j) - 1;
        if (j < 0) return -1;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // Literal: number, true, false, null.
  let j = i;
  while (j < buf.length) {
    const d = buf[j]!;
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
    j++;
  }
  return j > i ? j : -1;
}

function bytesEqual(buf: Uint8Array, start: number, end: number, key: Uint8Array): boolean {
  if (end - start !== key.length) return false;
  for (let k = 0; k < key.length; k++) if (buf[start + k] !== key[k]) return false;
  return true;
}

/** Whether the key's characters (`start`/`end` bound them, without quotes) hold an escape. */
function hasEscape(buf: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (buf[k] === BACKSLASH) return true;
  return false;
}

/** The UTF-8 bytes of an escaped key (`start`/`end` bound its characters), or undefined when malformed. */
function decodedKey(buf: Uint8Array, start: number, end: number): Uint8Array | undefined {
  try {
    return encoder.encode(JSON.parse(decoder.decode(buf.subarray(start - 1, end + 1))) as string);
  } catch {
    return undefined;
  }
}

/** Which of the keys not yet found the member key at `start`/`end` is, or -1. */
function wantedIndex(
  buf: Uint8Array,
  start: number,
  end: number,
  keys: readonly Uint8Array[],
  spans: readonly (FieldSpan | undefined)[],
): number {
  for (let k = 0; k < keys.length; k++) if (spans[k] === undefined && bytesEqual(buf, start, end, keys[k]!)) return k;
  // `"mod\u0065l"` is `model` to JSON.parse, and so to the backend: only a key with an escape
  // pays for decoding it, once whatever the number of keys wanted.
  if (!hasEscape(buf, start, end)) return -1;
  const decoded = decodedKey(buf, start, end);
  if (decoded === undefined) return -1;
  for (let k = 0; k < keys.length; k++)
    if (spans[k] === undefined && bytesEqual(decoded, 0, decoded.length, keys[k]!)) return k;
  return -1;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encodedKeys = new Map<string, Uint8Array>();

function encodeKey(key: string): Uint8Array {
  let bytes = encodedKeys.get(key);
  if (bytes === undefined) {
    bytes = encoder.encode(key);
    encodedKeys.set(key, bytes);
  }
  return bytes;
}

/**
 * One pass over the top-level members of a JSON object, recording the value span of each wanted
 * key (its first occurrence) and stopping as soon as all are found. Spans stay undefined for
 * absent keys, a body that is not an object, or a document malformed before the key.
 *
 * With `valueLimit`, only that many bytes of a wanted value are scanned and its span is cut
 * there, and the scan stops (sticky sessions hash the first bytes of `messages`; scanning
 * megabytes of history to find its end would cost more than the hash).
 */
function scanFields(buf: Uint8Array, keys: readonly Uint8Array[], valueLimit: number): (FieldSpan | undefined)[] {
  const spans: (FieldSpan | undefined)[] = new Array(keys.length).fill(undefined);
  let missing = keys.length;
  let i = skipSpace(buf, 0);
  if (buf[i] !== OPEN_BRACE) return spans;
  i = skipSpace(buf, i + 1);
  while (i < buf.length) {
    if (buf[i] !== QUOTE) return spans;
    const keyEnd = skipString(buf, i);
    if (keyEnd < 0) return spans;
    const wanted = wantedIndex(buf, i + 1, keyEnd - 1, keys, spans);
    i = skipSpace(buf, keyEnd);
    if (buf[i] !== COLON) return spans;
    i = skipSpace(buf, i + 1);
    if (wanted >= 0 && i + valueLimit < buf.length) {
      const bounded = buf.subarray(0, i + valueLimit);
      const end = skipValue(bounded, i);
      spans[wanted] = { start: i, end: end < 0 ? bounded.length : end };
      return spans;
    }
    const valueEnd = skipValue(buf, i);
    if (valueEnd < 0) return spans;
    if (wanted >= 0) {
      spans[wanted] = { start: i, end: valueEnd };
      if (--missing === 0) return spans;
    }
    i = skipSpace(buf, valueEnd);
    if (buf[i] === COMMA) i = skipSpace(buf, i + 1);
    else return spans;
  }
  return spans;
}

/**
 * Locates the value of top-level `key` in a JSON object. Returns undefined when the body is not
 * an object, the key is absent, or the document is malformed before the key is reached. With
 * `valueLimit`, at most that many bytes of the value are scanned (see `scanFields`).
 */
export function findTopLevelField(
  buf: Uint8Array,
  key: string,
  valueLimit = Number.POSITIVE_INFINITY,
): FieldSpan | undefined {
  return scanFields(buf, [encodeKey(key)], valueLimit)[0];
}

/** The value spans of several distinct top-level keys, found in one pass (in the order of `keys`). */
export function findTopLevelFields(buf: Uint8Array, keys: readonly string[]): (FieldSpan | undefined)[] {
  return scanFields(buf, keys.map(encodeKey), Number.POSITIVE_INFINITY);
}

/**
 * The top-level string value of `key`, decoded; undefined when absent or not a string.
 * Only a string containing escapes pays for JSON.parse, and only of that string.
 */
export function readTopLevelString(buf: Buffer, key: string): string | undefined {
  return stringAt(buf, findTopLevelField(buf, key));
}

/**
 * A top-level string and a top-level list of strings in one pass: the request's `model` and its
 * OpenRouter-style `models` fallback list, without scanning the body twice.
 */
export function readTopLevelStringAndList(
  buf: Buffer,
  stringKey: string,
  listKey: string,
): [string | undefined, string[] | undefined] {
  const [stringSpan, listSpan] = findTopLevelFields(buf, [stringKey, listKey]);
  return [stringAt(buf, stringSpan), listSpan === undefined ? undefined : stringListAt(buf, listSpan)];
}

function stringAt(buf: Buffer, span: FieldSpan | undefined): string | undefined {
  if (!span || buf[span.start] !== QUOTE) return undefined;
  const raw = buf.subarray(span.start + 1, span.end - 1);
  if (!raw.includes(BACKSLASH)) return raw.toString('utf8');
  try {
    return JSON.parse(buf.subarray(span.start, span.end).toString('utf8')) as string;
  } catch {
    return undefined;
  }
}

/** Only the array's own bytes are parsed; non-string and empty items are dropped. */
function stringListAt(buf: Buffer, span: FieldSpan): string[] | undefined {
  if (buf[span.start] !== OPEN_BRACKET) return undefined;
  try {
    const value: unknown = JSON.parse(buf.subarray(span.start, span.end).toString('utf8'));
    return Array.isArray(value)
      ? value.filter((item): item is string => typeof item === 'string' && item !== '')
      : undefined;
  } catch {
    return undefined;
  }
}

/** A copy of `buf` with the top-level string `key` replaced by `value`; undefined when absent. */
export function replaceTopLevelString(buf: Buffer, key: string, value: string): Buffer | undefined {
  const span = findTopLevelField(buf, key);
  if (!span || buf[span.start] !== QUOTE) return undefined;
  return Buffer.concat([buf.subarray(0, span.start), Buffer.from(JSON.stringify(value)), buf.subarray(span.end)]);
}
