/** Human-readable sizes and ages exactly as the original's status payloads render them. */

const UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 → `1.50 KB`; under 1 KiB → `512 B`. */
export function formatBytes(bytes: number): string {
  const n = Math.max(0, Math.trunc(bytes));
  if (n < 1024) return `${n} B`;
  let div = 1024;
  let exp = 0;
  for (let rest = Math.floor(n / 1024); rest >= 1024 && exp < UNITS.length - 1; rest = Math.floor(rest / 1024)) {
    div *= 1024;
    exp++;
  }
  return `${(n / div).toFixed(2)} ${UNITS[exp]}`;
}

/** `5s ago`, `3m ago`, `2h ago`, `4d ago`; 0 (never) → `never`. */
export function timeAgo(epochMs: number, now: number): string {
  if (!epochMs) return 'never';
  const seconds = Math.max(0, (now - epochMs) / 1000);
  if (seconds < 60) return `${Math.floor(seconds)}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86_400)}d ago`;
}
