import type { StickyKeySource, StickySessionsConfig } from '../../config/types.js';
import { Header } from '../../core/constants.js';
import { findTopLevelField } from '../../core/json-field.js';
import type { SelectionContext } from '../../core/ports/balancer.js';
import { fnv1a64Hex, fnv1a64HexOfHeader } from './fnv.js';

/**
 * Derives the affinity key of a request, trying the configured sources in order; the first that
 * yields a value wins. Every key carries the model so one client talking to two models keeps two
 * independent sessions. Key text matches the original's, so logs read the same.
 */

export interface StickyKey {
  key: string;
  source: StickyKeySource;
}

type Headers = SelectionContext['headers'];

function firstHeader(headers: Headers, name: string): string {
  const value = headers[name];
  if (value === undefined) return '';
  return typeof value === 'string' ? value : (value[0] ?? '');
}

const EMPTY_ARRAY = 0x5b5d; // "[]"
const NULL_LITERAL = 'null';

/** A `messages` value carries no conversation when it is the empty array or null. */
function isEmptyMessages(body: Buffer, start: number, end: number): boolean {
  const length = end - start;
  if (length === 2) return body.readUInt16BE(start) === EMPTY_ARRAY;
  return length === 4 && body.toString('latin1', start, end) === NULL_LITERAL;
}

/**
 * The first `limit` bytes of the raw JSON of the top-level `messages` value (any type, as the
 * original reads it), falling back to `prompt` when messages is absent, `[]` or `null`, so legacy
 * completions requests get a key too. Only `limit` bytes of the value are scanned, however long
 * the conversation.
 */
function conversationPrefix(body: Buffer, limit: number): { start: number; end: number } | undefined {
  const messages = findTopLevelField(body, 'messages', limit);
  if (messages && !isEmptyMessages(body, messages.start, messages.end)) return messages;
  return findTopLevelField(body, 'prompt', limit);
}

function fromSessionHeader(ctx: SelectionContext, model: string): string {
  const value = firstHeader(ctx.headers, Header.sessionId);
  // Hashed so an unbounded client string cannot inflate the store.
  return value === '' ? '' : `${fnv1a64HexOfHeader(value)}:${model}`;
}

function fromPrefixHash(ctx: SelectionContext, model: string, prefixBytes: number): string {
  const body = ctx.body?.whole;
  if (body === undefined || body.length === 0) return '';
  // A non-positive setting hashes the whole value, as the original does.
  const span = conversationPrefix(body, prefixBytes > 0 ? prefixBytes : Number.POSITIVE_INFINITY);
  if (span === undefined) return '';
  // Later turns of one conversation repeat its opening bytes, so they hash alike.
  return `${model.replaceAll(':', '_')}:${fnv1a64Hex(body, span.start, span.end)}`;
}

function fromAuthHeader(ctx: SelectionContext, model: string): string {
  const value = firstHeader(ctx.headers, 'authorization');
  // Hashed so no credential is ever held in the store.
  return value === '' ? '' : `auth:${fnv1a64HexOfHeader(value)}:${model}`;
}

function fromClientIp(ctx: SelectionContext, model: string): string {
  return ctx.clientIp === '' ? '' : `ip:${ctx.clientIp}:${model}`;
}

function keyFrom(source: StickyKeySource, ctx: SelectionContext, model: string, prefixBytes: number): string {
  switch (source) {
    case 'session_header':
      return fromSessionHeader(ctx, model);
    case 'prefix_hash':
      return fromPrefixHash(ctx, model, prefixBytes);
    case 'auth_header':
      return fromAuthHeader(ctx, model);
    case 'ip':
      return fromClientIp(ctx, model);
  }
}

/** The request's affinity key, or undefined when no configured source yields one. */
export function deriveStickyKey(
  ctx: SelectionContext,
  config: Pick<StickySessionsConfig, 'keySources' | 'prefixHashBytes'>,
): StickyKey | undefined {
  const model = ctx.model ?? '';
  for (const source of config.keySources) {
    const key = keyFrom(source, ctx, model, config.prefixHashBytes);
    if (key !== '') return { key, source };
  }
  return undefined;
}
