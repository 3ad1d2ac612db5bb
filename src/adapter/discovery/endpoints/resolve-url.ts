/**
 * Joins a health or model path onto an endpoint's base URL the way the Go original does
 * (`util.ResolveURLPath`): the base URL's own path is kept as a prefix (unlike RFC 3986
 * reference resolution, where "/v1/models" would replace it), slashes are collapsed and dot
 * segments resolved, and a value that is already an absolute URL is used as it is.
 *
 *   http://host:12434/engines/llama.cpp/ + /v1/models → http://host:12434/engines/llama.cpp/v1/models
 *   http://host:11434/ + /                            → http://host:11434/
 *   http://host:11434  + http://other:9000/health     → http://other:9000/health
 */
export function resolveUrlPath(baseUrl: string, pathOrUrl: string): string {
  if (baseUrl === '') return pathOrUrl;
  if (pathOrUrl === '') return baseUrl;
  if (HAS_SCHEME.test(pathOrUrl)) return pathOrUrl;

  const parts = BASE_PARTS.exec(baseUrl);
  if (parts === null) return pathOrUrl;
  const [, origin, basePath, suffix] = parts as unknown as [string, string, string, string];
  const joined = cleanPath(`${basePath}/${pathOrUrl}`);
  return origin + joined + suffix;
}

/** A base URL without trailing slashes (the configured path is otherwise kept verbatim). */
export function trimTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === SLASH) end--;
  return url.slice(0, end);
}

const SLASH = 0x2f;
const HAS_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
/** scheme://authority, then the path, then any ?query or #fragment. */
const BASE_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/s;

/** Go's `path.Clean` for a rooted path: no empty or "." segments, ".." applied, no trailing slash. */
function cleanPath(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}
