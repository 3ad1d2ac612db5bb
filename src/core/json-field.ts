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

function skipSpace(buf: Uint8Array, i: number): number {
  while (i < buf.length && isSpace(buf[i]!)) i++;
  return i;
}

/** Index just past the string that opens at `i` (a quote), or -1 when unterminated. */
function skipString(buf: Uint8Array, i: number): number {
  for (let j = i + 1; j < buf.length; j++) {
    const c = buf[j]!;
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
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

function keyEquals(buf: Uint8Array, start: number, end: number, key: Uint8Array): boolean {
  // start/end bound the key's characters (without quotes); escaped keys never match, which is
  // fine: no client escapes "model".
  if (end - start !== key.length) return false;
  for (let k = 0; k < key.length; k++) if (buf[start + k] !== key[k]) return false;
  return true;
}

const encoder = new TextEncoder();

/**
 * Locates the value of top-level `key` in a JSON object. Returns undefined when the body is not
 * an object, the key is absent, or the document is malformed before the key is reached.
 *
 * With `valueLimit`, only that many bytes of the value are scanned and the span is cut there
 * (sticky sessions hash the first bytes of `messages`; scanning megabytes of history to find its
 * end would cost more than the hash).
 */
export function findTopLevelField(
  buf: Uint8Array,
  key: string,
  valueLimit = Number.POSITIVE_INFINITY,
): FieldSpan | undefined {
  const keyBytes = encoder.encode(key);
  let i = skipSpace(buf, 0);
  if (buf[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(buf, i + 1);
  while (i < buf.length) {
    if (buf[i] !== QUOTE) return undefined;
    const keyEnd = skipString(buf, i);
    if (keyEnd < 0) return undefined;
    const matches = keyEquals(buf, i + 1, keyEnd - 1, keyBytes);
    i = skipSpace(buf, keyEnd);
    if (buf[i] !== COLON) return undefined;
    i = skipSpace(buf, i + 1);
    if (matches && i + valueLimit < buf.length) {
      const bounded = buf.subarray(0, i + valueLimit);
      const end = skipValue(bounded, i);
      return { start: i, end: end < 0 ? bounded.length : end };
    }
    const valueEnd = skipValue(buf, i);
    if (valueEnd < 0) return undefined;
    if (matches) return { start: i, end: valueEnd };
    i = skipSpace(buf, valueEnd);
    if (buf[i] === COMMA) i = skipSpace(buf, i + 1);
    else return undefined;
  }
  return undefined;
}

/**
 * The top-level string value of `key`, decoded; undefined when absent or not a string.
 * Only a string containing escapes pays for JSON.parse, and only of that string.
 */
export function readTopLevelString(buf: Buffer, key: string): string | undefined {
  const span = findTopLevelField(buf, key);
  if (!span || buf[span.start] !== QUOTE) return undefined;
  const raw = buf.subarray(span.start + 1, span.end - 1);
  if (!raw.includes(BACKSLASH)) return raw.toString('utf8');
  try {
    return JSON.parse(buf.subarray(span.start, span.end).toString('utf8')) as string;
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
