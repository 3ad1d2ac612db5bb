import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, FLAT_FIELDS_ONLY, type Logger, logFilePath } from './logger.js';
import { logRequestLine, type RequestLineFields } from './request-line.js';

function memory(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').slice(0, -1) };
}

function requestLogger(level: 'info' | 'warn', destination: Writable): Logger {
  const root = createLogger({ level, format: 'json' }, { destination, pretty: false });
  return root.child({ component: 'request' }, FLAT_FIELDS_ONLY);
}

/** The line pino writes for these fields: what the handler logged before the line had its own serialiser. */
function pinoLine(fields: RequestLineFields): string {
  const out = memory();
  const { key, error, ...always } = fields;
  requestLogger('info', out.stream).info(
    { ...always, ...(key !== undefined ? { key } : {}), ...(error !== undefined ? { error } : {}) },
    error !== undefined ? 'request failed' : 'request completed',
  );
  return out.lines()[0]!;
}

function fastLine(fields: RequestLineFields): string {
  const out = memory();
  logRequestLine(requestLogger('info', out.stream), fields);
  return out.lines()[0]!;
}

const sample: RequestLineFields = {
  request_id: 'r1',
  method: 'POST',
  path: '/olla/proxy/v1/chat/completions',
  model: 'llama3.2:latest',
  endpoint: 'local-ollama',
  status: 200,
  duration_ms: 12.3,
  bytes: 412,
  retries: 0,
  sticky: 'hit',
};

/** Any text, quotes, backslashes and control characters included (lone surrogates apart: see below). */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.string({
    unit: fc.constantFrom('"', '\\', '\n', '\u0001', '\u001f', '\u007f', 'a', 'é', '😀', '\u2028'),
    maxLength: 20,
  }),
);
const fields: fc.Arbitrary<RequestLineFields> = fc.record(
  {
    request_id: fc.oneof(text, fc.uuid()),
    method: fc.constantFrom('GET', 'POST', 'DELETE'),
    path: fc.oneof(text, fc.webPath()),
    model: fc.option(text, { nil: undefined }),
    endpoint: fc.option(text, { nil: undefined }),
    status: fc.integer({ min: 0, max: 599 }),
    duration_ms: fc.oneof(
      fc.integer({ min: 0, max: 100_000_000 }).map((n) => n / 10),
      fc.double({ noNaN: false }),
      fc.constantFrom(0, -0, 0.1, 0.3, 2.5e-7, 1e21),
    ),
    bytes: fc.oneof(fc.nat(), fc.constant(Number.NaN)),
    retries: fc.nat({ max: 10 }),
    sticky: fc.option(fc.constantFrom('hit', 'miss', 'repin'), { nil: undefined }),
    key: fc.option(text, { nil: undefined }),
    error: fc.option(text, { nil: undefined }),
  },
  {
    requiredKeys: [
      'request_id',
      'method',
      'path',
      'model',
      'endpoint',
      'status',
      'duration_ms',
      'bytes',
      'retries',
      'sticky',
    ],
  },
);

describe('logRequestLine', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes the very line pino wrote, for any fields', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_764_000_000_123);
    fc.assert(
      fc.property(fields, (f) => {
        expect(fastLine(f)).toBe(pinoLine(f));
      }),
    );
  });

  it('writes a request that failed as pino did, with its error and message', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_764_000_000_123);
    const failed = { ...sample, status: 502, error: 'upstream said "no"\n', key: 'team-a' };
    expect(fastLine(failed)).toBe(pinoLine(failed));
    expect(JSON.parse(fastLine(failed))).toMatchObject({ msg: 'request failed', error: 'upstream said "no"\n' });
  });

  it('escapes a lone surrogate, so the line stays valid JSON and reads back as sent', () => {
    // pino writes one raw, which UTF-8 cannot carry: the only place the lines may differ.
    const odd = { ...sample, model: 'half \ud83d', path: '/a\udc00b' };
    expect(JSON.parse(fastLine(odd))).toMatchObject({ model: 'half \ud83d', path: '/a\udc00b' });
  });

  it('writes nothing above info, and follows a level changed later (a reload)', () => {
    const out = memory();
    const logger = requestLogger('warn', out.stream);
    logRequestLine(logger, sample);
    expect(out.lines()).toEqual([]);
    logger.level = 'info';
    logRequestLine(logger, sample);
    expect(JSON.parse(out.lines()[0]!)).toMatchObject({ level: 30, component: 'request', request_id: 'r1' });
  });

  it('reaches the console and the log file when logging.output is file', async () => {
    const saved = process.env.OLLA_LOG_DIR;
    process.env.OLLA_LOG_DIR = mkdtempSync(join(tmpdir(), 'olla-request-line-'));
    try {
      const out = memory();
      const root = createLogger({ level: 'info', format: 'json', output: 'file' }, { destination: out.stream });
      logRequestLine(root.child({ component: 'request' }, FLAT_FIELDS_ONLY), sample);
      expect(JSON.parse(out.lines()[0]!)).toMatchObject({ msg: 'request completed', request_id: 'r1' });
      // The file's destination writes on its timer: poll until the line lands.
      for (let i = 0; i < 200 && !(existsSync(logFilePath()) && readFileSync(logFilePath(), 'utf8')); i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(JSON.parse(readFileSync(logFilePath(), 'utf8').trim())).toMatchObject({ request_id: 'r1' });
    } finally {
      if (saved === undefined) delete process.env.OLLA_LOG_DIR;
      else process.env.OLLA_LOG_DIR = saved;
    }
  });
});
