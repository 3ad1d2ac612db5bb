import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { BatchedDestination, isWarningOrWorse, LOG_BATCH_BYTES, LOG_FLUSH_INTERVAL_MS } from './batched-destination.js';

const line = (i: number) => `${JSON.stringify({ i, msg: 'request completed' })}\n`;

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'olla-batched-')), 'logs', 'olla.log');
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('BatchedDestination', () => {
  it('holds a short line for the flush timer, then writes it', async () => {
    const file = tempFile();
    const destination = BatchedDestination.toFile(file);
    destination.write(line(0));
    // Below a batch nothing is written at once: one write per line was the cost being removed.
    expect(readFileSync(file, 'utf8')).toBe('');
    const started = Date.now();
    await until(() => readFileSync(file, 'utf8') !== '');
    expect(readFileSync(file, 'utf8')).toBe(line(0));
    expect(Date.now() - started).toBeGreaterThanOrEqual(LOG_FLUSH_INTERVAL_MS / 2);
  });

  it('writes a full batch without waiting for the timer, and keeps every line in order', async () => {
    const file = tempFile();
    const destination = BatchedDestination.toFile(file);
    const lines = Array.from({ length: Math.ceil((5 * LOG_BATCH_BYTES) / 30) }, (_, i) => line(i));
    for (const l of lines) destination.write(l);
    expect(lines.join('').length).toBeGreaterThan(4 * LOG_BATCH_BYTES);
    await until(() => readFileSync(file, 'utf8').length >= LOG_BATCH_BYTES);
    destination.flushSync();
    await until(() => readFileSync(file, 'utf8').length === lines.join('').length);
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
  });

  it('writes a warning or worse at once, after the lines held before it', () => {
    const file = tempFile();
    const destination = BatchedDestination.toFile(file);
    const info = `${JSON.stringify({ level: 30, time: 't', msg: 'request completed' })}\n`;
    const warning = `${JSON.stringify({ level: 40, time: 't', msg: 'config reload refused' })}\n`;
    destination.write(info);
    expect(readFileSync(file, 'utf8')).toBe('');
    destination.write(warning);
    expect(readFileSync(file, 'utf8')).toBe(info + warning);
  });

  it("reads a line as a warning or worse only from pino's leading level field, at 40 and above", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.string(), (level, rest) => {
        const line = `${JSON.stringify({ level, msg: rest })}\n`;
        expect(isWarningOrWorse(line)).toBe(level >= 40);
      }),
    );
    expect(isWarningOrWorse('{"msg":"level 50","level":50}\n')).toBe(false);
    expect(isWarningOrWorse('{"level":100,"msg":"x"}\n')).toBe(false);
    expect(isWarningOrWorse('')).toBe(false);
  });

  it('flushSync writes everything held at once', () => {
    const file = tempFile();
    const destination = BatchedDestination.toFile(file);
    for (let i = 0; i < 3; i++) destination.write(line(i));
    destination.flushSync();
    expect(readFileSync(file, 'utf8')).toBe(line(0) + line(1) + line(2));
  });

  it('stops logging, without throwing, once its descriptor is gone', async () => {
    // A descriptor no process has open (a closed one could be reused by the next file opened).
    const destination = new BatchedDestination(999_999);
    for (let i = 0; i < 1000; i++) expect(destination.write(line(i))).toBe(true);
    await new Promise((r) => setTimeout(r, LOG_FLUSH_INTERVAL_MS * 2));
    expect(() => destination.flushSync()).not.toThrow();
    expect(destination.write(line(1000))).toBe(true);
  });
});

describe('BatchedDestination on a pipe that is not being read', () => {
  it('holds what the pipe refuses and writes it all, in order, once the reader catches up', async () => {
    const file = tempFile();
    mkdirSync(dirname(file), { recursive: true });
    // A reader that starts late: until then the (non-blocking) pipe fills and refuses writes.
    const reader = spawn('sh', ['-c', `sleep 0.5; cat > "${file}"`], { stdio: ['pipe', 'ignore', 'ignore'] });
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const destination = new BatchedDestination(fd);
    // Several times the pipe's 64 KiB and the destination's buffer, so lines wait in its backlog.
    const lines = Array.from({ length: 20_000 }, (_, i) => line(i));
    for (const l of lines) destination.write(l);
    destination.flushSync();
    reader.stdin.end();
    await new Promise((resolve) => reader.once('close', resolve));
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
  }, 30_000);
});

describe('BatchedDestination when idle', () => {
  it('runs its flush timer only while lines wait, so a quiet proxy is not woken', () => {
    vi.useFakeTimers();
    try {
      const file = tempFile();
      const destination = BatchedDestination.toFile(file);
      expect(vi.getTimerCount()).toBe(0);
      destination.write(line(0));
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(LOG_FLUSH_INTERVAL_MS);
      expect(readFileSync(file, 'utf8')).toBe(line(0));
      // Written, nothing held: no timer until the next line.
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(10 * LOG_FLUSH_INTERVAL_MS);
      destination.write(line(1));
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(LOG_FLUSH_INTERVAL_MS);
      expect(readFileSync(file, 'utf8')).toBe(line(0) + line(1));
      expect(vi.getTimerCount()).toBe(0);
      destination.write(line(2));
      destination.flushSync();
      expect(vi.getTimerCount()).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(line(0) + line(1) + line(2));
    } finally {
      vi.useRealTimers();
    }
  });
});
