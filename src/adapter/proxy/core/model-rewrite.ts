/**
 * Rewrites the top-level `"model"` string of a JSON request body for alias routing. The body is
 * spliced, not re-serialised: every other byte (key order, whitespace, number formatting) reaches
 * the backend exactly as the client sent it, and a 10 MB prompt costs one scan, not a parse.
 */
export function rewriteModel(body: Buffer, model: string): Buffer {
  const span = findTopLevelModel(body);
  if (span === undefined) return body;
  return Buffer.concat([body.subarray(0, span[0]), Buffer.from(JSON.stringify(model)), body.subarray(span[1])]);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MODEL_KEY = Buffer.from('model');

/**
 * Byte span `[start, end)` of the top-level `"model"` value, quotes included, when the body is a
 * well-formed JSON object whose `model` is a string (the last one wins, as with `JSON.parse`).
 * Nested `model` keys (inside messages, tools…) never match.
 */
export function findTopLevelModel(body: Buffer): [number, number] | undefined {
  let span: [number, number] | undefined;
  let i = skipSpace(body, 0);
  if (body[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(body, i + 1);
  if (body[i] === CLOSE_BRACE) return undefined;
  while (i < body.length) {
    if (body[i] !== QUOTE) return undefined;
    const keyEnd = skipString(body, i);
    if (keyEnd < 0) return undefined;
    const isModel =
      keyEnd - i - 2 === MODEL_KEY.length && body.compare(MODEL_KEY, 0, MODEL_KEY.length, i + 1, keyEnd - 1) === 0;
    i = skipSpace(body, keyEnd);
    if (body[i] !== COLON) return undefined;
    const valueStart = skipSpace(body, i + 1);
    const valueEnd = skipValue(body, valueStart);
    if (valueEnd < 0) return undefined;
    if (isModel) span = body[valueStart] === QUOTE ? [valueStart, valueEnd] : undefined;
    i = skipSpace(body, valueEnd);
    if (body[i] === CLOSE_BRACE) return skipSpace(body, i + 1) === body.length ? span : undefined;
    if (body[i] !== COMMA) return undefined;
    i = skipSpace(body, i + 1);
  }
  return undefined;
}

function skipSpace(body: Buffer, from: number): number {
  let i = from;
  while (i < body.length) {
    const c = body[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Index just past the closing quote of the string opening at `from`, or -1 if unterminated. */
function skipString(body: Buffer, from: number): number {
  for (let i = from + 1; i < body.length; i++) {
    const c = body[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** Index just past the value starting at `from`, or -1 if the body ends first. */
function skipValue(body: Buffer, from: number): number {
  const first = body[from];
  if (first === undefined) return -1;
  if (first === QUOTE) return skipString(body, from);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = from; i < body.length; i++) {
      const c = body[i];
      if (c === QUOTE) {
        i = skipString(body, i) - 1;
        if (i < 0) return -1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A literal: number, true, false or null runs until a delimiter.
  let i = from;
  while (i < body.length) {
    const c = body[i]!;
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c <= 0x20) break;
    i++;
  }
  return i === from ? -1 : i;
}
