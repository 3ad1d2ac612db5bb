import { createRequire } from 'node:module';
import { join } from 'node:path';
import pino, { type ChildLoggerOptions, type Logger } from 'pino';
import type { LoggingConfig } from '../config/types.js';

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

/**
 * Lines are batched up to this many bytes before a write (sonic-boom's `minLength`; it must stay
 * under its 16 KB `maxWrite`). One write per request line cost the proxy about a third of its
 * requests/s at one connection and a tenth at 64: each write is a thread-pool round trip.
 */
export const LOG_BATCH_BYTES = 8192;
/** A quiet proxy's lines still reach the reader within this long. */
export const LOG_FLUSH_INTERVAL_MS = 100;

interface BatchedDestination {
  flush(): void;
  /** sonic-boom's bytes buffered and not yet handed to a write. */
  readonly _len: number;
  readonly _writing: boolean;
  readonly destroyed: boolean;
}

/**
 * Stdout (or a file) through sonic-boom without blocking, in batches of `LOG_BATCH_BYTES`, with a
 * timer flushing whatever is left every `LOG_FLUSH_INTERVAL_MS` when traffic is light. pino
 * flushes the destination synchronously on `exit` (after an uncaught exception too), so no
 * buffered line is lost when Olla stops or crashes.
 */
export function batchedDestination(dest: number | string, mkdir = false): NodeJS.WritableStream {
  const stream = pino.destination({ dest, sync: false, minLength: LOG_BATCH_BYTES, mkdir });
  const batched = stream as unknown as BatchedDestination;
  // Unref'd: the timer never keeps the process alive, and pino's exit flush catches the rest.
  setInterval(() => {
    if (batched._len > 0 && !batched._writing && !batched.destroyed) batched.flush();
  }, LOG_FLUSH_INTERVAL_MS).unref();
  return stream as unknown as NodeJS.WritableStream;
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
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const console: NodeJS.WritableStream = options.destination ?? (pretty ? prettyDestination() : batchedDestination(1));
  if (config.output !== 'file') return pino(base, console);
  // As the original: the console keeps its lines and a JSON copy goes to the log file too.
  const file = batchedDestination(logFilePath(), true);
  return pino(
    base,
    pino.multistream([
      { level: config.level, stream: console },
      { level: config.level, stream: file },
    ]),
  );
}
