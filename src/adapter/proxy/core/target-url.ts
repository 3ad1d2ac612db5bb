/**
 * Joins an endpoint's base path and the request's stripped path into the path (and query) sent
 * upstream. Mirrors the original's url_builder:
 *
 * - `preservePath` with a base path: the request path is appended to the base path and the
 *   result cleaned (`..`, `.` and repeated slashes collapse, no trailing slash), so
 *   `http://host/api/v1` + `/chat/completions` goes to `/api/v1/chat/completions`.
 * - otherwise the base path is replaced by the request path, untouched unless it holds dot
 *   segments (plain or percent-encoded), which are resolved against `/` so nothing escapes the
 *   root.
 *
 * Paths stay percent-encoded throughout: the bytes the client sent are the bytes the backend
 * sees, except where cleaning removes segments. A fragment is never forwarded.
 */
export function buildTargetPath(basePath: string, preservePath: boolean, targetPath: string): string {
  let path = targetPath;
  let query = '';
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  const q = path.indexOf('?');
  if (q !== -1) {
    query = path.slice(q + 1);
    path = path.slice(0, q);
  }
  if (path === '') path = '/';
  else if (path.charCodeAt(0) !== 0x2f) path = `/${path}`;

  if (preservePath && basePath !== '' && basePath !== '/') {
    path = cleanPath(`${basePath}/${path.slice(1)}`);
  } else if (hasDotSegment(path)) {
    path = cleanPath(path);
  }
  return query === '' ? path : `${path}?${query}`;
}

/** Resolves `.`/`..` segments and collapses empty ones, like Go's `path.Clean` on a rooted path. */
function cleanPath(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    const name = decodedSegment(segment);
    if (name === '' || name === '.') continue;
    if (name === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

/** Whether any segment of `path` is `.` or `..`, plain or percent-encoded. */
export function hasDotSegment(path: string): boolean {
  // optimisation: most paths have neither a dot nor an escape, so skip the split entirely.
  if (!path.includes('.') && !path.includes('%')) return false;
  for (const segment of path.split('/')) {
    const name = decodedSegment(segment);
    if (name === '.' || name === '..') return true;
  }
  return false;
}

/** `%2e%2E` reads as `..`; an undecodable segment is kept as written (it cannot be a dot). */
function decodedSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
