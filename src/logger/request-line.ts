/**
 * The proxy's per-request log line, serialised by code that knows its fields in advance.
 *
 * pino's generic path walks the object with `for…in`, checks each key for serialisers and
 * stringifiers, escapes every key and string, and concatenates piece by piece: about 2 µs a line,
 * most of what request logging cost at 64 connections. This writes the same bytes pino would (the
 * same keys in the same order, level, time, the logger's bindings, msg; a property test holds it
 * to pino's own output) with the keys as constants and only strings that can need escaping checked.
 */
import pino, { type Logger } from 'pino';
import { isoTimeField } from './logger.js';

/** One proxied request, as its log line reports it. An undefined field is left out, as pino does. */
export interface RequestLineFields {
  request_id: string;
  method: string;
  path: string;
  model: string | undefined;
  endpoint: string | undefined;
  status: number;
  duration_ms: number;
  bytes: number;
  retries: number;
  sticky: string | undefined;
  /** The client key's name, when client keys are on. */
  key?: string | undefined;
  /** Why the request failed; its presence makes the line "request failed". */
  error?: string | undefined;
}

const INFO = 30;
const LEVEL = `{"level":${INFO}`;

/** Whether JSON writes `value` as it is: no quote, backslash, control character or surrogate (a lone one is escaped). */
function plain(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x20 || unit === 0x22 || unit === 0x5c || (unit >= 0xd800 && unit <= 0xdfff)) return false;
  }
  return true;
}

/** A JSON string, as `JSON.stringify` writes it, without its cost for the usual plain text. */
function quoted(value: string): string {
  return plain(value) ? `"${value}"` : JSON.stringify(value);
}

/** A JSON number as pino writes one: a non-finite value is `null`. */
function numeric(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

/**
 * A duration rounded to tenths, as `numeric` would write it, from integers: formatting a fraction
 * cost twice as much. `k / 10` prints as its decimal digits, the shortest text that reads back as it.
 */
function tenths(value: number): string {
  const scaled = Math.round(value * 10);
  if (scaled / 10 !== value || scaled < 0 || scaled > Number.MAX_SAFE_INTEGER) return numeric(value);
  const digit = scaled % 10;
  const whole = (scaled - digit) / 10;
  return digit === 0 ? `${whole}` : `${whole}.${digit}`;
}

function optional(key: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${key}":${quoted(value)}`;
}

/** Where pino keeps what the line needs: the child's bindings and its destination. */
interface PinoInternals {
  [pino.symbols.chindingsSym]: string;
  [pino.symbols.streamSym]: { write(line: string): unknown };
}

/**
 * Writes a request line at info through `logger`, a child made with `FLAT_FIELDS_ONLY` from a
 * logger `createLogger` made: its level labels, time field and lack of hooks are what this writes,
 * and its destination takes lines alone (no multistream, which wants each line's level beside it).
 */
export function logRequestLine(logger: Logger, fields: RequestLineFields): void {
  // The level is read on every line: a reload may change it.
  if (logger.levelVal > INFO) return;
  const internals = logger as unknown as PinoInternals;
  const stream = internals[pino.symbols.streamSym];
  const msg = fields.error === undefined ? 'request completed' : 'request failed';
  stream.write(
    `${LEVEL}${isoTimeField()}${internals[pino.symbols.chindingsSym]},"request_id":${quoted(fields.request_id)}` +
      `,"method":${quoted(fields.method)},"path":${quoted(fields.path)}` +
      `${optional('model', fields.model)}${optional('endpoint', fields.endpoint)}` +
      `,"status":${numeric(fields.status)},"duration_ms":${tenths(fields.duration_ms)}` +
      `,"bytes":${numeric(fields.bytes)},"retries":${numeric(fields.retries)}` +
      `${optional('sticky', fields.sticky)}${optional('key', fields.key)}${optional('error', fields.error)}` +
      `,"msg":"${msg}"}\n`,
  );
}
