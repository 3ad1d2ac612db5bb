/**
 * Splits a proxied request's target into what the backend is sent: everything after the route's
 * base (`/olla/proxy/`, `/olla/<prefix>/`), exactly as the client wrote it, percent-encoding kept.
 */

const SLASH = 0x2f;

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** The origin form (`/path?query`), also when the client sent the absolute form (RFC 9112 §3.2.2). */
export function originForm(url: string): string {
  if (url.charCodeAt(0) === SLASH) return url;
  const authority = url.indexOf('//');
  const path = authority < 0 ? -1 : url.indexOf('/', authority + 2);
  return path < 0 ? '/' : url.slice(path);
}

/** Path segments in a route base: `/olla/proxy/` has two. */
function segmentsOf(base: string): number {
  let slashes = 0;
  for (let i = 0; i < base.length; i++) if (base.charCodeAt(i) === SLASH) slashes++;
  return slashes - 1;
}

/**
 * The target after the route `base` in `url` (an origin-form target). Segments are counted
 * rather than characters: the router also matches a base the client percent-encoded
 * (`/olla/%70roxy/`), whose length differs from the base's.
 */
export function targetAfterBase(url: string, base: string): string {
  const queryAt = url.indexOf('?');
  const pathEnd = queryAt < 0 ? url.length : queryAt;
  const segments = segmentsOf(base);
  let at = 0;
  for (let i = 0; i < segments; i++) {
    const next = url.indexOf('/', at + 1);
    if (next < 0 || next >= pathEnd) return `/${url.slice(pathEnd)}`;
    at = next;
  }
  return url.slice(at);
}
