import pino, { type Logger } from 'pino';
import type { LoggingConfig } from '../config/types.js';

export type { Logger } from 'pino';

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

export interface LoggerOptions {
  /** Where lines go; a writable stream for tests, stdout otherwise. */
  destination?: NodeJS.WritableStream;
  /** Pretty-print for people (a TTY and `format: text`); JSON for machines. */
  pretty?: boolean;
}

export function createLogger(config: Pick<LoggingConfig, 'level' | 'format'>, options: LoggerOptions = {}): Logger {
  const pretty =
    options.pretty ?? (config.format === 'text' || (process.stdout.isTTY === true && !options.destination));
  const base = {
    level: config.level,
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (pretty && !options.destination) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}
