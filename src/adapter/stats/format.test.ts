import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  formatLatency,
  formatPercentage,
  formatTimeAgo,
  formatTimeUntil,
  formatUptime,
  goFixed,
  isoOrZero,
} from './format.js';

const NOW = 1_000_000_000_000;

describe('status formats', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.00 KB'],
    [1536, '1.50 KB'],
    [5 * 1024 ** 2, '5.00 MB'],
    [1.5 * 1024 ** 3, '1.50 GB'],
  ])('renders %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [1.25, 1, '1.2'],
    [1.35, 1, '1.4'],
    [0.45, 1, '0.5'],
    [2.5, 0, '2'],
    [3.5, 0, '4'],
    [12.125, 2, '12.12'],
  ])('rounds %d to %d places as Go does: %s', (value, digits, text) => {
    expect(goFixed(value, digits)).toBe(text);
  });

  it.each([
    [0, '0%'],
    [100, '100%'],
    [99.64, '99.6%'],
    [50, '50.0%'],
  ])('renders %d percent as %s', (value, text) => {
    expect(formatPercentage(value)).toBe(text);
  });

  it.each([
    [0, '0ms'],
    [7, '7ms'],
    [120.9, '120ms'],
    [1000, '1.0s'],
    [1250, '1.2s'],
  ])('renders a %d ms latency as %s', (ms, text) => {
    expect(formatLatency(ms)).toBe(text);
  });

  it.each([
    [0, '0s'],
    [0.0005, '500ns'],
    [0.0125, '12.5µs'],
    [2.345, '2.345ms'],
    [6_000, '6s'],
    [245_000, '4m5s'],
    [3_723_000, '1h2m3s'],
  ])('renders a %d ms duration the Go way as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [42_000, '42s'],
    [17 * 60_000, '17m'],
    [(5 * 60 + 3) * 60_000, '5h 3m'],
    [(2 * 24 + 4) * 3_600_000, '2d 4h'],
  ])('renders %d ms of uptime as %s', (ms, text) => {
    expect(formatUptime(ms)).toBe(text);
  });

  it('renders relative times, with never and unknown for the zero time', () => {
    expect(formatTimeAgo(NOW - 2_000, NOW)).toBe('2s ago');
    expect(formatTimeAgo(NOW - 5 * 60_000, NOW)).toBe('5m ago');
    expect(formatTimeAgo(0, NOW)).toBe('never');
    expect(formatTimeUntil(NOW + 3_000, NOW)).toBe('in 3s');
    expect(formatTimeUntil(NOW - 1, NOW)).toBe('now');
    expect(formatTimeUntil(0, NOW)).toBe('unknown');
  });

  it("renders an unset instant as Go's zero time", () => {
    expect(isoOrZero(0)).toBe('0001-01-01T00:00:00Z');
    expect(isoOrZero(Date.parse('2026-04-15T10:25:00Z'))).toBe('2026-04-15T10:25:00.000Z');
  });
});
