import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildModelStatusResponse } from '../../adapter/stats/model-report.js';
import {
  buildEndpointStatusResponse,
  buildStatusResponse,
  type StatusSources,
} from '../../adapter/stats/status-report.js';
import { fnv1a64Hex } from '../../adapter/sticky/fnv.js';

/**
 * `/internal/status`, `/internal/status/endpoints` and `/internal/status/models`: JSON with a
 * weak ETag over the fields that only change when something happens (a client echoing it gets
 * a bare 304), `Cache-Control: private, no-cache`, and gzip when the client accepts it.
 */

export interface StatusDeps extends StatusSources {
  /** The admission queue's state, when some endpoint has a concurrency limit. */
  queue?: () => unknown;
  /** endpoint → models loaded there, when residency is tracked. */
  residency?: () => Record<string, string[]>;
}

const gzipAsync = promisify(gzip);

/** Bodies this small are not worth compressing (the original's threshold). */
const GZIP_MIN_BYTES = 256;
/** Longer If-None-Match headers are never a legitimate list of validators. */
const MAX_IF_NONE_MATCH = 1024;

/**
 * Renderings that tick every second (relative times, uptime, the timestamp) and health-check
 * instants that move on every probe: leaving them out keeps the ETag still while nothing
 * operator-visible has changed.
 */
const VOLATILE_FIELDS = new Set([
  'timestamp',
  'uptime',
  'last_check',
  'next_check',
  'health_check',
  'health_check_at',
  'next_check_at',
  'last_model_sync',
  'last_model_sync_at',
  'last_seen',
]);

function dropVolatile(key: string, value: unknown): unknown {
  return VOLATILE_FIELDS.has(key) ? undefined : value;
}

/** `W/"<base36>"`: FNV-1a 64 over the stable fields, weak because it is not byte identity. */
export function weakEtag(body: unknown): string {
  const hex = fnv1a64Hex(Buffer.from(JSON.stringify(body, dropVolatile), 'utf8'));
  return `W/"${BigInt(`0x${hex}`).toString(36)}"`;
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** RFC 7232 weak comparison: `*`, or any listed validator equal once `W/` is set aside. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch || ifNoneMatch.length > MAX_IF_NONE_MATCH) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const current = stripWeak(etag);
  return ifNoneMatch.split(',').some((tag) => stripWeak(tag.trim()) === current);
}

/** Whether Accept-Encoding lists gzip with a non-zero quality. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.split(';');
    if (name?.trim().toLowerCase() !== 'gzip') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number.parseFloat(q.slice(2)) > 0;
  }
  return false;
}

async function sendStatusJson(request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<void> {
  const etag = weakEtag(body);
  reply
    .header('etag', etag)
    .header('cache-control', 'private, no-cache')
    // On every answer, so a shared cache never hands a gzipped body to a client that did not ask.
    .header('vary', 'Accept-Encoding');
  if (etagMatches(request.headers['if-none-match'], etag)) {
    reply.code(304).send();
    return;
  }
  const json = JSON.stringify(body);
  reply.header('content-type', 'application/json');
  if (json.length > GZIP_MIN_BYTES && acceptsGzip(request.headers['accept-encoding'])) {
    reply.header('content-encoding', 'gzip').send(await gzipAsync(json));
    return;
  }
  reply.send(json);
}

export function registerStatusRoutes(app: FastifyInstance, deps: StatusDeps): void {
  app.get('/internal/status', (request, reply) => {
    const body = buildStatusResponse(deps);
    return sendStatusJson(request, reply, deps.queue ? { ...body, queue: deps.queue() } : body);
  });

  app.get('/internal/status/endpoints', (request, reply) =>
    sendStatusJson(request, reply, buildEndpointStatusResponse(deps)),
  );

  app.get('/internal/status/models', (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const body = buildModelStatusResponse(deps.endpoints.all(), deps.models, {
      detailed: query.detailed === 'true' && query.group === 'family',
      now: deps.now?.() ?? Date.now(),
    });
    return sendStatusJson(request, reply, deps.residency ? { ...body, loaded_models: deps.residency() } : body);
  });
}
