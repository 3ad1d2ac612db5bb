import type { IncomingHttpHeaders } from 'node:http';
import { Header } from '../../../core/constants.js';
import { viaNaming } from '../../../core/forwarding-loop.js';
import type { UpstreamTarget } from './upstream-target.js';

/** How Olla names itself in `X-Proxied-By`/`X-Served-By` and `Via`, fixed at start-up. */
export interface ProxyIdentity {
  /** `Olla/<version>` */
  readonly product: string;
  /** `1.1 olla/<version>` (RFC 9110 §7.6.3), on responses. */
  readonly via: string;
  /** The same with this process's instance token in a comment, on requests upstream (forwarding-loop.ts). */
  readonly upstreamVia: string;
}

export function proxyIdentity(version: string, instanceToken: string): ProxyIdentity {
  const via = `1.1 olla/${version}`;
  return { product: `Olla/${version}`, via, upstreamVia: viaNaming(via, instanceToken) };
}

/** Connection-scoped headers (RFC 9110 §7.6.1); they describe one hop, never the next. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Client credentials meant for Olla, not the backend; the endpoint's own auth replaces them. */
const CLIENT_CREDENTIALS = ['authorization', 'cookie', 'x-api-key', 'x-auth-token', 'proxy-authorization'];

/**
 * Headers never copied from the client as they are: hop-by-hop, credentials, and the ones Olla
 * rewrites for the next hop (Host and Content-Length describe the outbound request; the
 * forwarding headers are extended below). `expect` is dropped because the body is already read.
 */
const NOT_COPIED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  ...CLIENT_CREDENTIALS,
  'host',
  'content-length',
  'expect',
  Header.forwardedFor,
  Header.forwardedProto,
  Header.forwardedHost,
  Header.realIp,
  Header.via,
  Header.proxiedBy,
  'x-model',
]);

/** What the handler knows about the client connection. */
export interface ClientFacts {
  /** Address of the peer that connected to Olla (appended to X-Forwarded-For). */
  readonly peerAddress: string;
  /** Client address as the handler resolved it (trusted proxy headers honoured). */
  readonly clientIp: string;
  readonly encrypted: boolean;
}

/**
 * Builds the outbound header list for one attempt as a flat `[name, value, …]` array, the form
 * both undici and `http.request` take without another copy.
 */
export function buildUpstreamHeaders(
  incoming: IncomingHttpHeaders,
  target: UpstreamTarget,
  identity: ProxyIdentity,
  client: ClientFacts,
  model: string | undefined,
  bodyLength: number,
): string[] {
  const own = target.ownHeaders;
  const named = connectionTokens(incoming.connection);
  const out: string[] = ['host', target.hostHeader];

  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || NOT_COPIED.has(name) || own.has(name) || named?.has(name)) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }

  if (bodyLength > 0) out.push('content-length', String(bodyLength));
  if (model) out.push('x-model', model);

  const priorFor = incoming[Header.forwardedFor];
  forward(out, own, Header.forwardedFor, priorFor ? `${priorFor}, ${client.peerAddress}` : client.peerAddress);
  forward(out, own, Header.forwardedProto, incoming[Header.forwardedProto] || (client.encrypted ? 'https' : 'http'));
  forward(out, own, Header.forwardedHost, incoming[Header.forwardedHost] || incoming.host);
  forward(out, own, Header.realIp, incoming[Header.realIp] || client.clientIp);
  const priorVia = incoming.via;
  forward(out, own, Header.via, priorVia ? `${priorVia}, ${identity.upstreamVia}` : identity.upstreamVia);
  forward(out, own, Header.proxiedBy, identity.product);

  // Configured headers come last so an operator can deliberately re-add one the strip removed.
  const extra = target.extraHeaders;
  for (let i = 0; i < extra.length; i++) out.push(extra[i]!);
  return out;
}

function forward(out: string[], own: ReadonlySet<string>, name: string, value: string | string[] | undefined): void {
  if (value === undefined || value === '' || own.has(name)) return;
  out.push(name, Array.isArray(value) ? value.join(', ') : value);
}

/** Header names listed in a Connection header are hop-by-hop for this message too. */
export function connectionTokens(connection: string | string[] | undefined): Set<string> | undefined {
  // optimisation: nearly every message says just `keep-alive` or `close`, which name no header.
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined;
  const text = Array.isArray(connection) ? connection.join(',') : connection;
  let tokens: Set<string> | undefined;
  for (const raw of text.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '' || token === 'close' || token === 'keep-alive') continue;
    tokens ??= new Set();
    tokens.add(token);
  }
  return tokens;
}
