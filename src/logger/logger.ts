import { createRequire } from 'node:module';
import { join } from 'node:path';
import pino, { type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';
import type { LoggingConfig } from '../config/types.js';
import { BatchedDestination } from './batched-destination.js';

export type { ChildLoggerOptions, Logger } from 'pino';

/**
 * Credentials must never reach a log line, whichever object they ride in on: request headers,
 * endpoint auth config, or an error that echoes a request.
 */
export const REDACTED_PATHS = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.auth',
  '*.authHeader',
  '*.password',
  '*.token',
];

/**
 * For a child whose every field is a flat value Olla builds itself (the request log line: IDs,
 * names, numbers, an error message), so no redaction path can ever match. The wildcard paths
 * above otherwise send each top-level field through the redactor: 5 % of the proxy's CPU at 64
 * connections with request logging on.
 */
export const FLAT_FIELDS_ONLY: ChildLoggerOptions = { redact: [] };

let stampedMs = Number.NaN;
let stamp = '';
let stampedSecond = Number.NaN;
let secondPrefix = '';
/** "000" to "999", so a millisecond is appended without formatting a number. */
const MILLIS = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0'));

/**
 * pino's `isoTime` field, formatted once per millisecond: at the proxy's request rates a dozen
 * lines share each millisecond, and formatting the date was about 1 % of the CPU at 64 connections.
 * Within a second only the milliseconds change, so the date is formatted once a second and the
 * milliseconds appended: at one connection every line has a millisecond of its own, and
 * `toISOString` on each cost some 3 µs a request with the caches cold.
 */
export function isoTimeField(): string {
  const now = Date.now();
  if (now !== stampedMs) {
    stampedMs = now;
    const ms = ((now % 1000) + 1000) % 1000;
    const second = now - ms;
    if (second !== stampedSecond) {
      stampedSecond = second;
      // A whole second's ISO form ends ".000Z"; the prefix keeps the dot, whatever the year's width.
      const iso = new Date(second).toISOString();
      secondPrefix = `,"time":"${iso.slice(0, -4)}`;
    }
    stamp = `${secondPrefix}${MILLIS[ms]}Z"`;
  }
  return stamp;
}

export interface LoggerOptions {
  /** Where lines go; a writable stream for tests, stdout otherwise. */
  destination?: NodeJS.WritableStream;
  /** Pretty-print for people (a TTY and `format: text`); JSON for machines. */
  pretty?: boolean;
}

/** Where `logging.output: file` writes, as the original: `$OLLA_LOG_DIR/olla.log`, `./logs` by default. */
export function logFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.OLLA_LOG_DIR || './logs', 'olla.log');
}

/** pino-pretty, required only when lines are pretty-printed: JSON logging never loads it. */
function prettyDestination(): NodeJS.WritableStream {
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pinoPretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' });
}

export function createLogger(
  config: Pick<LoggingConfig, 'level' | 'format'> & Partial<Pick<LoggingConfig, 'output'>>,
  options: LoggerOptions = {},
): Logger {
  const pretty =
    options.pretty ?? (config.format === 'text' || (process.stdout.isTTY === true && !options.destination));
  const base = {
    level: config.level,
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: isoTimeField,
  };
  const console: DestinationStream = options.destination ?? (pretty ? prettyDestination() : new BatchedDestination(1));
  if (config.output !== 'file') return pino(base, console);
  // As the original: the console keeps its lines and a JSON copy goes to the log file too.
  return pino(base, both(console, BatchedDestination.toFile(logFilePath())));
}

/**
 * Every line to both destinations. Not pino's multistream: its streams keep the level they were
 * made with, so a reload that lowered the level reached neither, and it needs the level beside
 * each line, which keeps the request line on pino's generic path.
 */
function both(first: DestinationStream, second: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      first.write(line);
      second.write(line);
    },
  };
}
