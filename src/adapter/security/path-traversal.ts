/**
 * Spots request paths that try to climb out of the route they name. A backend, or anything between
 * Olla and it, may decode `%2e%2e%2f` (or `%252e%252e%252f`, decoded twice) into `../` and resolve it,
 * so the check reads the path the way the most generous decoder would: escapes are decoded until
 * none is left, and both `/` and `\` separate segments (Windows servers and some frameworks take
 * either). Any segment that is then `.` or `..` marks the path.
 */

const DOT = 0x2e;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/** Decoding rounds before a path is refused as unreadable: no client needs four layers of escapes. */
const MAX_DECODE_ROUNDS = 4;

const ESCAPE = /%([0-9a-fA-F]{2})/g;

/**
 * Replaces every valid `%XX` with its byte as one character, leaving malformed escapes as they
 * are. Bytes over 0x7f become single Latin-1 characters rather than UTF-8: only the ASCII `.`,
 * `/`, `\` and `%` matter here, and this never throws on a half-written sequence.
 */
function decodeOnce(path: string): string {
  return path.replace(ESCAPE, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function hasDotSegmentIn(path: string): boolean {
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : SLASH;
    if (c !== SLASH && c !== BACKSLASH) continue;
    const length = i - start;
    if (
      (length === 1 && path.charCodeAt(start) === DOT) ||
      (length === 2 && path.charCodeAt(start) === DOT && path.charCodeAt(start + 1) === DOT)
    ) {
      return true;
    }
    start = i + 1;
  }
  return false;
}

/**
 * Whether `path` (no query string) has a `.` or `..` segment, as written or once its escapes are
 * decoded, however many times they were encoded. A path still holding escapes after
 * `MAX_DECODE_ROUNDS` decodings is treated as traversal: it cannot be shown to be safe.
 */
export function isTraversalPath(path: string): boolean {
  let current = path;
  for (let round = 0; ; round++) {
    if (hasDotSegmentIn(current)) return true;
    if (current.indexOf('%') < 0) return false;
    const decoded = decodeOnce(current);
    if (decoded === current) return false;
    if (round === MAX_DECODE_ROUNDS) return true;
    current = decoded;
  }
}
