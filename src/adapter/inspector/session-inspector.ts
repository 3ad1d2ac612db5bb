import { appendFile, mkdir } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { InspectorConfig } from '../../config/types.js';
import type { Logger } from '../../logger/logger.js';
import { redactCredentials } from './redact.js';

/**
 * The Anthropic inspector: a development aid that appends each translated request and reply to
 * `{output_dir}/{YYYY-MM-DD}/{session}.jsonl`, one JSON line each, so a session can be replayed
 * or two models compared with jq. The session comes from the configured header (default
 * `X-Session-ID`), then `X-Request-ID`, then `default`.
 *
 * Off by default and free when off (a shared no-op). When on, writes are queued and never awaited
 * by the request: a slow disk cannot hold up a response, and a failed write is only a warning.
 * Bodies are written with credential-looking fields redacted; headers are never written.
 */
export interface Inspector {
  readonly enabled: boolean;
  sessionId(headers: IncomingHttpHeaders): string;
  logRequest(sessionId: string, model: string, body: unknown): void;
  logResponse(sessionId: string, body: unknown): void;
  /** Resolves when every queued write has landed (for tests and shutdown). */
  flush(): Promise<void>;
}

export const DEFAULT_SESSION_ID = 'default';
const MAX_SESSION_ID_LENGTH = 64;
/** Letters, digits, dash and underscore only: the id becomes a file name. */
const SAFE_SESSION_ID = /^[A-Za-z0-9_-]+$/;

const NOOP_INSPECTOR: Inspector = Object.freeze({
  enabled: false,
  sessionId: () => DEFAULT_SESSION_ID,
  logRequest: () => {},
  logResponse: () => {},
  flush: () => Promise.resolve(),
});

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Local date for the day directory, as the original names it. */
function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** RFC 3339 in local time to the second (Go's `time.RFC3339`). */
function localTimestamp(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const zone =
    offset === 0
      ? 'Z'
      : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${localDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

class SessionInspector implements Inspector {
  readonly enabled = true;
  readonly #outputDir: string;
  readonly #sessionHeader: string;
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  #warned = false;
  #tail: Promise<void> = Promise.resolve();
  #madeDir = '';

  constructor(config: InspectorConfig, logger: Pick<Logger, 'warn'> | undefined) {
    this.#outputDir = config.outputDir;
    this.#sessionHeader = (config.sessionHeader || 'X-Session-ID').toLowerCase();
    this.#logger = logger;
  }

  sessionId(headers: IncomingHttpHeaders): string {
    return headerValue(headers, this.#sessionHeader) || headerValue(headers, 'x-request-id') || DEFAULT_SESSION_ID;
  }

  logRequest(sessionId: string, model: string, body: unknown): void {
    this.#enqueue(sessionId, { type: 'request', ts: '', model, body: redactCredentials(body) });
  }

  logResponse(sessionId: string, body: unknown): void {
    this.#enqueue(sessionId, { type: 'response', ts: '', body: redactCredentials(body) });
  }

  flush(): Promise<void> {
    return this.#tail;
  }

  /** A session id that is safe as a file name; anything else (path tricks included) goes to `default`. */
  #safeSessionId(sessionId: string): string {
    if (sessionId.length <= MAX_SESSION_ID_LENGTH && SAFE_SESSION_ID.test(sessionId)) return sessionId;
    this.#logger?.warn(
      { sessionId: sessionId.slice(0, MAX_SESSION_ID_LENGTH) },
      'inspector: invalid session id, using default',
    );
    return DEFAULT_SESSION_ID;
  }

  #enqueue(sessionId: string, entry: { type: string; ts: string; model?: string; body: unknown }): void {
    if (!this.#warned) {
      this.#warned = true;
      this.#logger?.warn(
        { outputDir: this.#outputDir, sessionHeader: this.#sessionHeader },
        'Anthropic inspector enabled: request and response bodies are written to disk. Do not use in production.',
      );
    }
    const now = new Date();
    entry.ts = localTimestamp(now);
    const line = `${JSON.stringify(entry)}\n`;
    const dir = join(this.#outputDir, localDate(now));
    const file = join(dir, `${this.#safeSessionId(sessionId)}.jsonl`);
    // One queue keeps lines whole and in order within a file, without blocking the caller.
    this.#tail = this.#tail.then(() => this.#write(dir, file, line));
  }

  async #write(dir: string, file: string, line: string): Promise<void> {
    try {
      if (dir !== this.#madeDir) {
        // Owner-only: the files hold whole conversations.
        await mkdir(dir, { recursive: true, mode: 0o700 });
        this.#madeDir = dir;
      }
      await appendFile(file, line, { mode: 0o600 });
    } catch (err) {
      this.#logger?.warn({ err, file }, 'inspector: failed to write entry');
    }
  }
}

/** The inspector for this config: a shared no-op unless `enabled`. */
export function createInspector(config: InspectorConfig, logger?: Pick<Logger, 'warn'>): Inspector {
  return config.enabled ? new SessionInspector(config, logger) : NOOP_INSPECTOR;
}
