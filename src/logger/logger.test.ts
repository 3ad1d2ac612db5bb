import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOG_FLUSH_INTERVAL_MS } from './batched-destination.js';
import { createLogger, FLAT_FIELDS_ONLY, isoTimeField, logFilePath } from './logger.js';

function memory(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  const savedDir = process.env.OLLA_LOG_DIR;
  afterEach(() => {
    if (savedDir === undefined) delete process.env.OLLA_LOG_DIR;
    else process.env.OLLA_LOG_DIR = savedDir;
  });

  it('writes JSON lines at the configured level and redacts credentials', () => {
    const out = memory();
    const logger = createLogger({ level: 'info', format: 'json' }, { destination: out.stream, pretty: false });
    logger.debug('hidden');
    logger.info({ headers: { authorization: 'Bearer sk-secret' }, endpoint: { authHeader: 'x' } }, 'shown');
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'shown', headers: { authorization: '[redacted]' } });
    expect(out.text()).not.toContain('sk-secret');
  });

  it('also writes to $OLLA_LOG_DIR/olla.log when logging.output is file', async () => {
    process.env.OLLA_LOG_DIR = mkdtempSync(join(tmpdir(), 'olla-logs-'));
    const out = memory();
    const logger = createLogger(
      { level: 'info', format: 'json', output: 'file' },
      { destination: out.stream, pretty: false },
    );
    logger.info({ endpoint: 'desk' }, 'to both');
    expect(out.text()).toContain('to both');
    // The file is written asynchronously, off the request path: poll until the line lands.
    const fileText = async () => {
      for (let i = 0; i < 200; i++) {
        if (existsSync(logFilePath()) && readFileSync(logFilePath(), 'utf8').includes('to both')) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      return readFileSync(logFilePath(), 'utf8');
    };
    expect(JSON.parse((await fileText()).trim())).toMatchObject({ msg: 'to both', endpoint: 'desk' });
  });

  it('writes to the console and the log file at a level lowered later (a reload)', async () => {
    process.env.OLLA_LOG_DIR = mkdtempSync(join(tmpdir(), 'olla-logs-'));
    const out = memory();
    const logger = createLogger(
      { level: 'info', format: 'json', output: 'file' },
      { destination: out.stream, pretty: false },
    );
    logger.level = 'debug';
    logger.debug('now at debug');
    expect(out.text()).toContain('now at debug');
    for (let i = 0; i < 200 && !(existsSync(logFilePath()) && readFileSync(logFilePath(), 'utf8')); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(JSON.parse(readFileSync(logFilePath(), 'utf8').trim())).toMatchObject({ level: 20, msg: 'now at debug' });
  });
});

const FIXTURE = new URL('./flush-fixture.ts', import.meta.url).pathname;

/** Runs the fixture; resolves with the JSON lines it printed and, for `linger`, when the first arrived. */
function runFixture(lines: number, ending: string): Promise<{ lines: string[]; firstAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, String(lines), ending], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let text = '';
    let firstAt = 0;
    const started = Date.now();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      text += chunk;
      if (firstAt === 0 && text.includes('\n')) {
        firstAt = Date.now();
        if (ending === 'linger') child.kill('SIGKILL');
      }
    });
    child.once('error', reject);
    child.once('close', () =>
      resolve({ lines: text.split('\n').filter((l) => l !== ''), firstAfterMs: firstAt - started }),
    );
  });
}

describe('the batched stdout destination', () => {
  it.each(['exit', 'throw', 'reject'])(
    'loses no line when the process ends by %s',
    async (ending) => {
      const { lines } = await runFixture(20_000, ending);
      expect(lines).toHaveLength(20_000);
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ i: 19_999, msg: 'request completed' });
    },
    30_000,
  );

  it('writes a line that fills no batch while the process is still running', async () => {
    // Killed with SIGKILL on the first line: no exit flush can have written it, only the timer.
    const { lines, firstAfterMs } = await runFixture(1, 'linger');
    expect(lines).toHaveLength(1);
    expect(firstAfterMs).toBeGreaterThan(0);
    expect(firstAfterMs).toBeLessThan(5000 - LOG_FLUSH_INTERVAL_MS);
  }, 30_000);
});

describe('the batched destination when the reader goes away', () => {
  it('exits at once when the pipe has no reader left (olla | tee, stopped by Ctrl-C)', async () => {
    // A real shell pipe whose reader has exited before the fixture's only line is written, so
    // that line meets EPIPE in the exit flush (sonic-boom retried it there for ever).
    const command = `"${process.execPath}" --import tsx "${FIXTURE}" 0 gone | true; exit \${PIPESTATUS[0]}`;
    // Its own process group, so a hung fixture is killed with the shell.
    const child = spawn('bash', ['-c', command], { stdio: 'ignore', detached: true });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        process.kill(-child.pid!, 'SIGKILL');
        resolve(null);
      }, 10_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
  }, 30_000);
});

describe('FLAT_FIELDS_ONLY', () => {
  it('still writes a flat request line whole, and leaves the parent redacting', () => {
    const out = memory();
    const logger = createLogger({ level: 'info', format: 'json' }, { destination: out.stream, pretty: false });
    const requests = logger.child({ component: 'request' }, FLAT_FIELDS_ONLY);
    requests.info({ request_id: 'r1', status: 200, auth: 'flat', duration_ms: 1.5 }, 'request completed');
    logger.info({ endpoint: { auth: 'sk-secret' } }, 'parent');
    const [line, parent] = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(line).toMatchObject({ component: 'request', request_id: 'r1', status: 200, auth: 'flat', duration_ms: 1.5 });
    expect(parent).toMatchObject({ endpoint: { auth: '[redacted]' } });
  });
});

describe('isoTimeField', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes the field pino’s isoTime would, for any instant, however the calls fall', () => {
    fc.assert(
      fc.property(
        // Repeats of one instant (the cached millisecond), its neighbours across a second's edge
        // (the cached second), and any instant a Date can hold, before 1970 and past year 9999 too.
        fc.array(
          fc.oneof(
            fc.constant(1_764_000_000_123),
            fc.integer({ min: 1_764_000_000_990, max: 1_764_000_001_010 }),
            fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (instants) => {
          const now = vi.spyOn(Date, 'now');
          for (const ms of instants) {
            now.mockReturnValue(ms);
            expect(isoTimeField()).toBe(pino.stdTimeFunctions.isoTime());
          }
          now.mockRestore();
        },
      ),
    );
  });
});
