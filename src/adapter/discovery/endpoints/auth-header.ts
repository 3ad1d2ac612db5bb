import type { EndpointAuthConfig } from '../../../config/types.js';

export interface AuthHeader {
  readonly name: string;
  readonly value: string;
}

const DEFAULT_API_KEY_HEADER = 'X-Api-Key';

/**
 * The outbound header for an endpoint's auth block (credentials already resolved and checked
 * non-empty by the config loader), composed once at load time so the proxy only copies two
 * strings per request:
 * - basic   → `Authorization: Basic base64(username:password)`
 * - bearer  → `Authorization: Bearer <token>`
 * - api_key → `<header, default X-Api-Key>: <key>`
 */
export function composeAuthHeader(auth: EndpointAuthConfig): AuthHeader {
  switch (auth.type) {
    case 'bearer':
      return { name: 'Authorization', value: `Bearer ${auth.token ?? ''}` };
    case 'api_key':
      return { name: auth.header || DEFAULT_API_KEY_HEADER, value: auth.key ?? '' };
    case 'basic': {
      const credentials = Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64');
      return { name: 'Authorization', value: `Basic ${credentials}` };
    }
  }
}
