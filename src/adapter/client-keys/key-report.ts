import { KEY_REJECTIONS } from '../../core/domain/client-key.js';
import type { WindowUse } from '../../core/ports/state-store.js';
import { type ClientKeyGate, stateKeysOf } from './gate.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

interface WindowReport {
  used: number;
  limit: number;
  remaining: number;
  /** ISO time the window starts again from 0. */
  resets_at: string;
}

function windowReport(use: WindowUse, limit: number): WindowReport {
  return {
    used: use.used,
    limit,
    remaining: Math.max(0, limit - use.used),
    resets_at: new Date(use.resetAt).toISOString(),
  };
}

/**
 * `GET /internal/stats/keys`: per key (by name, never the secret) its requests, tokens in and
 * out, refusals by reason, the current use of each configured limit and when it was last seen,
 * read from the state store (so it is the whole fleet's once the store is shared). Refusals of
 * requests with no known key are counted by this instance.
 */
export async function keyStatsReport(gate: ClientKeyGate, now = Date.now()) {
  const store = gate.store;
  const keys = await Promise.all(
    gate.keys().map(async (key) => {
      const { limits, name } = key;
      const ids = stateKeysOf(name);
      const counters = await store.readCounters(ids.usage);
      const windows: Record<string, WindowReport | { used: number; limit: number }> = {};
      if (limits.requestsPerMinute > 0) {
        windows.requests_per_minute = windowReport(
          await store.windowUse(ids.rpm, MINUTE, now),
          limits.requestsPerMinute,
        );
      }
      if (limits.tokensPerMinute > 0) {
        windows.tokens_per_minute = windowReport(await store.windowUse(ids.tpm, MINUTE, now), limits.tokensPerMinute);
      }
      if (limits.tokensPerDay > 0) {
        windows.tokens_per_day = windowReport(await store.windowUse(ids.tpd, DAY, now), limits.tokensPerDay);
      }
      if (limits.maxConcurrent > 0) {
        windows.max_concurrent = { used: await store.slotsInUse(ids.slots), limit: limits.maxConcurrent };
      }
      const lastSeen = counters.last_seen;
      return {
        name,
        priority: key.priority,
        models: key.models ?? ['*'],
        requests: counters.requests ?? 0,
        tokens_in: counters.tokens_in ?? 0,
        tokens_out: counters.tokens_out ?? 0,
        rejections: Object.fromEntries(KEY_REJECTIONS.map((r) => [r, counters[`rejected_${r}`] ?? 0])),
        windows,
        last_seen: lastSeen === undefined ? null : new Date(lastSeen).toISOString(),
      };
    }),
  );
  return { enabled: true, keys, unauthenticated: gate.unauthenticated, timestamp: new Date(now).toISOString() };
}
