/**
 * Olla's one glob dialect, shared by model filters, profile filters and profile capability
 * patterns: case-insensitive, `*` only at the ends. `*x*` means contains, `x*` starts with,
 * `*x` ends with, anything else is an exact match. A `*` in the middle is not a wildcard
 * (`llama*7b` only matches itself), as in the Go original; config validation can warn.
 */
export function matchesGlob(value: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  const s = value.toLowerCase();
  if (p === '*') return true;
  if (!p.includes('*')) return s === p;
  const leading = p.startsWith('*');
  const trailing = p.endsWith('*');
  if (leading && trailing) return s.includes(trimStars(p));
  if (leading) return s.endsWith(p.slice(1));
  if (trailing) return s.startsWith(p.slice(0, -1));
  return s === p;
}

function trimStars(pattern: string): string {
  let start = 0;
  let end = pattern.length;
  while (start < end && pattern.charCodeAt(start) === 42) start++;
  while (end > start && pattern.charCodeAt(end - 1) === 42) end--;
  return pattern.slice(start, end);
}
