import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, logFilePath } from './logger.js';

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
});
