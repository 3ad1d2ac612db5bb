/**
 * The human-readable renderings the status routes use (the original's `pkg/format`): byte sizes
 * in binary units, one-decimal percentages, whole-millisecond latencies and the terse relative
 * times the dashboard shows. Every function is pure; relative times take `now` explicitly.
 */

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'] as const;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Fixed-point like Go's `%.Nf`: exact ties round to even (`1.25` → `1.2`), where `toFixed`
 * rounds them up. A double's exact decimal expansion decides whether a tie is real.
 */
export function goFixed(value: number, digits: number): string {
  const exact = value.toFixed(Math.min(100, digits + 60));
  const cut = exact.indexOf('.') + 1 + digits;
  if (value < 0 || !/^50*$/.test(exact.slice(cut))) return value.toFixed(digits);
  const kept = exact.slice(0, digits === 0 ? cut - 1 : cut);
  const lastDigit = Number(kept[kept.length - 1]);
  return lastDigit % 2 === 0 ? kept : value.toFixed(digits);
}

/** `512 B`, `1.50 KB`, `2.00 GB`: powers of 1024, two decimals above a kilobyte. */
export function formatBytes(bytes: number): string {
  const n = Math.max(0, Math.floor(bytes));
  if (n < 1024) return `${n} B`;
  let div = 1024;
  let exp = 0;
  for (let rest = Math.floor(n / 1024); rest >= 1024 && exp < BYTE_UNITS.length - 1; rest = Math.floor(rest / 1024)) {
    div *= 1024;
    exp++;
  }
  return `${goFixed(n / div, 2)} ${BYTE_UNITS[exp]}`;
}

/** `0%`, `100%`, otherwise one decimal: `99.6%`. */
export function formatPercentage(value: number): string {
  if (value === 0) return '0%';
  if (value === 100) return '100%';
  return `${goFixed(value, 1)}%`;
}

/** `0ms`, `85ms`, `1.2s`, from whole milliseconds (fractions are dropped, as Go's int64 ms). */
export function formatLatency(ms: number): string {
  const whole = Math.trunc(ms);
  if (whole >= 1000) return `${goFixed(whole / 1000, 1)}s`;
  return `${whole}ms`;
}

/** `2/3`: healthy over total. */
export function formatEndpointsUp(healthy: number, total: number): string {
  return `${healthy}/${total}`;
}

/** Trims a fixed-point rendering the way Go prints durations: `1.500` → `1.5`, `2.000` → `2`. */
function trimFraction(value: number, digits: number): string {
  return value.toFixed(digits).replace(/\.?0+$/, '');
}

/**
 * Go's `time.Duration` string below a second (`0s`, `750ns`, `12.5µs`, `2.345ms`), and `1h2m3s`,
 * `4m5s` or `6s` above it (the original's `format.Duration`).
 */
export function formatDuration(ms: number): string {
  if (ms >= SECOND) {
    const hours = Math.floor(ms / HOUR);
    const minutes = Math.floor(ms / MINUTE) % 60;
    const seconds = Math.floor(ms / SECOND) % 60;
    if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
    if (minutes > 0) return `${minutes}m${seconds}s`;
    return `${seconds}s`;
  }
  const ns = Math.round(ms * 1e6);
  if (ns <= 0) return '0s';
  if (ns < 1000) return `${ns}ns`;
  if (ns < 1e6) return `${trimFraction(ns / 1000, 3)}µs`;
  return `${trimFraction(ns / 1e6, 6)}ms`;
}

/** Uptime as the status summary shows it: `42s`, `17m`, `5h 3m`, `2d 4h`. */
export function formatUptime(ms: number): string {
  if (ms < MINUTE) return `${goFixed(ms / SECOND, 0)}s`;
  if (ms < HOUR) return `${goFixed(ms / MINUTE, 0)}m`;
  const hours = Math.floor(ms / HOUR);
  const minutes = Math.floor(ms / MINUTE) % 60;
  if (hours < 24) return `${hours}h ${minutes}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** `7s`, `12m`, `3h`, `2d`: the coarse unit relative times render in. */
export function formatTimeSpan(ms: number): string {
  if (ms < MINUTE) return `${Math.max(0, Math.floor(ms / SECOND))}s`;
  if (ms < HOUR) return `${goFixed(ms / MINUTE, 0)}m`;
  if (ms < DAY) return `${goFixed(ms / HOUR, 0)}h`;
  return `${goFixed(ms / DAY, 0)}d`;
}

/** `12s ago`, or `never` for the zero time (epoch ms 0). */
export function formatTimeAgo(epochMs: number, now: number): string {
  if (epochMs <= 0) return 'never';
  return `${formatTimeSpan(now - epochMs)} ago`;
}

/** `in 3s`, `now` when due or overdue, `unknown` for the zero time. */
export function formatTimeUntil(epochMs: number, now: number): string {
  if (epochMs <= 0) return 'unknown';
  const diff = epochMs - now;
  if (diff <= 0) return 'now';
  return `in ${formatTimeSpan(diff)}`;
}

/** Go's zero `time.Time` as JSON: what the original emits for "never" in non-optional fields. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC 3339 for a set epoch-ms instant, Go's zero time otherwise. */
export function isoOrZero(epochMs: number): string {
  return epochMs > 0 ? new Date(epochMs).toISOString() : ZERO_TIME;
}
