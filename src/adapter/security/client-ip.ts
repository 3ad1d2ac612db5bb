import type { RateLimitsConfig } from '../../config/types.js';
import { Header } from '../../core/constants.js';
import { CidrMatcher, unmapIPv4 } from './cidr.js';

/**
 * Works out which client a request came from. Proxy headers are believed only when the operator
 * opted in (`trust_proxy_headers`) and the TCP peer is one of the trusted proxies; otherwise any
 * client could dodge its rate limit by writing its own `X-Forwarded-For`.
 */

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** `(peer address, request headers) -> client address`; peer is the bare socket address. */
export type ClientIpResolver = (peer: string, headers: RequestHeaders) => string;

function firstHeader(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

/** The left-most `X-Forwarded-For` hop (the client, as the first proxy saw it), else `X-Real-IP`. */
function forwardedClient(headers: RequestHeaders): string | undefined {
  const forwarded = firstHeader(headers, Header.forwardedFor);
  if (forwarded !== undefined) {
    const comma = forwarded.indexOf(',');
    const first = (comma < 0 ? forwarded : forwarded.slice(0, comma)).trim();
    if (first !== '') return first;
  }
  const real = firstHeader(headers, Header.realIp)?.trim();
  return real === '' ? undefined : real;
}

export function createClientIpResolver(
  policy: Pick<RateLimitsConfig, 'trustProxyHeaders' | 'trustedProxyCidrs'>,
): ClientIpResolver {
  const trusted = policy.trustProxyHeaders ? CidrMatcher.compile(policy.trustedProxyCidrs) : undefined;
  // Optimisation: with nothing to trust, never look at the headers at all.
  if (trusted === undefined || trusted.isEmpty) return (peer) => unmapIPv4(peer);
  return (peer, headers) => {
    const client = unmapIPv4(peer);
    if (!trusted.contains(client)) return client;
    return forwardedClient(headers) ?? client;
  };
}

/**
 * A resolver whose trust policy a config reload can replace: `resolve` is handed out once and
 * always asks the policy of the moment.
 */
export class ReloadableClientIp {
  #current: ClientIpResolver;

  constructor(policy: Pick<RateLimitsConfig, 'trustProxyHeaders' | 'trustedProxyCidrs'>) {
    this.#current = createClientIpResolver(policy);
  }

  readonly resolve: ClientIpResolver = (peer, headers) => this.#current(peer, headers);

  reconfigure(policy: Pick<RateLimitsConfig, 'trustProxyHeaders' | 'trustedProxyCidrs'>): void {
    this.#current = createClientIpResolver(policy);
  }
}
