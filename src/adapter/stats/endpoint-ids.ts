/**
 * Endpoint URLs as the status routes may show them, and the opaque IDs the dashboard anchors
 * on. Both come from the URL with userinfo, query and fragment removed, so a credential in the
 * URL can neither appear in a response nor influence an ID, and rotating it leaves the ID alone.
 */

/** What an unparseable URL is shown as: never the raw text, which may hold a credential. */
export const UNPARSEABLE_URL = '[unparseable url]';

/** Scheme, host, port and path only. */
export function sanitiseDisplayUrl(raw: string): string {
  if (raw === '') return '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return UNPARSEABLE_URL;
  }
  // WHATWG URLs always carry a path; Go's keep an empty one empty, and endpoint URLs are stored
  // without a trailing slash, so a lone "/" means "no path".
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol}//${url.host}${path}`;
}

/** FNV-1a 32-bit of the UTF-8 bytes, in base 36 (the original's ID format). */
function hashId(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

export interface IdentifiableEndpoint {
  name: string;
  url: string;
}

/**
 * An ID per endpoint name. Endpoints whose sanitised URLs collide (they differ only in query or
 * credentials) share the base hash plus `-N`, numbered in name order so no secret decides it.
 */
export function buildEndpointIds(endpoints: readonly IdentifiableEndpoint[]): Map<string, string> {
  const groups = new Map<string, IdentifiableEndpoint[]>();
  for (const endpoint of endpoints) {
    const key = sanitiseDisplayUrl(endpoint.url);
    const group = groups.get(key);
    if (group) group.push(endpoint);
    else groups.set(key, [endpoint]);
  }
  const ids = new Map<string, string>();
  for (const [key, siblings] of groups) {
    const base = hashId(key);
    if (siblings.length === 1) {
      ids.set(siblings[0]!.name, base);
      continue;
    }
    siblings.sort((a, b) => (a.name === b.name ? compare(a.url, b.url) : compare(a.name, b.name)));
    siblings.forEach((endpoint, i) => {
      ids.set(endpoint.name, `${base}-${i}`);
    });
  }
  return ids;
}

/** Code-unit order, like Go's string comparison (not locale order). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
