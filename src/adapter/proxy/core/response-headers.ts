import type { IncomingHttpHeaders, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Header, RoutingReason } from '../../../core/constants.js';
import type { Endpoint } from '../../../core/domain/endpoint.js';
import { headerSafe } from '../../../core/header-value.js';
import type { ProxyRequest } from '../../../core/ports/proxy.js';
import { connectionTokens, HOP_BY_HOP, type ProxyIdentity } from './request-headers.js';
import type { UpstreamTarget } from './upstream-target.js';

/**
 * Upstream headers that never reach the client: a backend reflecting credentials or setting
 * cookies is misconfigured at best, so Olla drops them rather than leak them (as the original).
 */
const NEVER_RETURNED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  'authorization',
  'x-api-key',
  'x-auth-token',
  'set-cookie',
]);

const OLLA_PREFIX = 'x-olla-';

/**
 * Copies the upstream response headers the client may see. `X-Olla-*` is Olla's alone, so a
 * backend cannot spoof routing or session headers; names the endpoint's config sets outbound are
 * stripped on the way back for the same reason they are set. `ownVary` is the `Vary` Olla has
 * already set on the response (CORS's `Origin`): the upstream's is merged into it, since either
 * one alone would let a cache serve one origin's (or one encoding's) answer to another.
 */
export function copyUpstreamHeaders(
  upstream: IncomingHttpHeaders,
  target: UpstreamTarget,
  ownVary?: number | string | readonly string[],
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const own = target.ownHeaders;
  const named = connectionTokens(upstream.connection);
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || NEVER_RETURNED.has(name) || own.has(name) || named?.has(name)) continue;
    if (name.startsWith(OLLA_PREFIX)) continue;
    out[name] = value;
  }
  if (ownVary !== undefined) out.vary = mergeVary(ownVary, out.vary);
  return out;
}

/**
 * One `Vary` from two: field names compared case-insensitively, each kept once in the spelling
 * first seen, and `*` (varies on everything) absorbing the rest.
 */
export function mergeVary(
  first: number | string | readonly string[],
  second: number | string | readonly string[] | undefined,
): string {
  const names = new Map<string, string>();
  for (const value of [first, second]) {
    if (value === undefined) continue;
    for (const part of Array.isArray(value) ? value : [String(value)]) {
      for (const raw of part.split(',')) {
        const name = raw.trim();
        if (name === '*') return '*';
        const key = name.toLowerCase();
        if (name !== '' && !names.has(key)) names.set(key, name);
      }
    }
  }
  return [...names.values()].join(', ');
}

/**
 * Adds Olla's own response headers. Called as the head is written so X-Olla-Response-Time
 * measures the time to the response head (`<ms>ms`, whole milliseconds, like the original).
 */
export function addOllaHeaders(
  out: OutgoingHttpHeaders,
  request: ProxyRequest,
  endpoint: Endpoint,
  identity: ProxyIdentity,
  clientSessionId: string | string[] | undefined,
): OutgoingHttpHeaders {
  const upstreamVia = out.via;
  out.via = upstreamVia ? `${upstreamVia}, ${identity.via}` : identity.via;
  out[Header.servedBy] = identity.product;
  out[Header.requestId] = request.requestId;
  out[Header.responseTime] = `${Math.trunc(performance.now() - request.startTime)}ms`;
  out[Header.endpoint] = endpoint.name;
  out[Header.backendType] = endpoint.type;
  // The model and the reason (which may name it) are the client's text: made safe to send.
  if (request.model) out[Header.model] = headerSafe(request.model);
  addRoutingHeaders(out, request);

  const sticky = request.selection.sticky;
  if (sticky !== undefined) {
    out[Header.stickySession] = sticky.result;
    if (sticky.source !== 'none') out[Header.stickyKeySource] = sticky.source;
    if (sticky.source === 'session_header' && clientSessionId) out[Header.sessionId] = clientSessionId;
  }
  return out;
}

function isModelFound(reason: string): boolean {
  return reason === RoutingReason.modelFound || reason === RoutingReason.modelFoundNoRefresh;
}

/** Routing headers go on error answers too, so a client can see why nothing was routable. */
export function addRoutingHeaders(out: OutgoingHttpHeaders, request: ProxyRequest): void {
  const routing = request.routing;
  if (routing === undefined) return;
  out[Header.routingStrategy] = routing.strategy;
  out[Header.routingDecision] = routing.action;
  // The residency selector chose among nodes holding the model: that is the reason worth showing.
  if (request.selection.modelLoaded === true && isModelFound(routing.reason)) {
    out[Header.routingReason] = RoutingReason.modelLoaded;
  } else if (routing.reason) out[Header.routingReason] = headerSafe(routing.reason);
}

const kPreset = Symbol('olla.proxy.presetHeaders');
type Preset = { [kPreset]?: PresetHeaders | undefined };

/** Header values by lower-case name, as fastify's `reply.getHeaders()` gives them. */
export type PresetHeaders = Record<string, OutgoingHttpHeader | undefined>;

/**
 * Hands the engine the headers set before it took over the response (CORS, X-RateLimit-*, the
 * request ID), kept beside the response rather than set on it: a response with no header set
 * yet takes Node's fast path for `writeHead` with a flat list, where every `setHeader` would
 * otherwise be validated, lower-cased and stored twice over. Names must be lower case.
 */
export function presetHeaders(res: ServerResponse, headers: PresetHeaders): void {
  (res as ServerResponse & Preset)[kPreset] = headers;
}

/** The headers `presetHeaders` left on `res`, if any. */
export function presetOf(res: ServerResponse): PresetHeaders | undefined {
  return (res as ServerResponse & Preset)[kPreset];
}

/** Sets the preset headers on the response itself, for answers that set their own headers one by one. */
export function applyPresetHeaders(res: ServerResponse): void {
  const preset = presetOf(res);
  if (preset === undefined) return;
  (res as ServerResponse & Preset)[kPreset] = undefined;
  for (const name in preset) {
    const value = preset[name];
    if (value !== undefined) res.setHeader(name, value);
  }
}

/**
 * Writes a whole answer. When Node refuses its head (a value it will not send), the connection is
 * closed instead, so the client is not left waiting for a head that never comes; returns why.
 */
export function endOrClose(
  res: ServerResponse,
  status: number,
  head: OutgoingHttpHeaders | OutgoingHttpHeader[],
  body: string,
): Error | undefined {
  try {
    res.writeHead(status, head);
    res.end(body);
    return undefined;
  } catch (err) {
    res.destroy();
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * One flat `[name, value, …]` head from the preset headers and the engine's own (both lower
 * case), the engine's winning on a clash (its `Vary` already merged with the preset's).
 */
export function flatHead(preset: PresetHeaders | undefined, own: OutgoingHttpHeaders): OutgoingHttpHeader[] {
  const head: OutgoingHttpHeader[] = [];
  if (preset !== undefined) {
    for (const name in preset) {
      const value = preset[name];
      if (value !== undefined && own[name] === undefined) head.push(name, value);
    }
  }
  for (const name in own) {
    const value = own[name];
    if (value !== undefined) head.push(name, value);
  }
  return head;
}
