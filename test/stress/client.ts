/**
 * The stress runs' client: sends one chat request through Olla with a hard deadline and says
 * exactly how it ended, so a run can count every request and fail on any it cannot explain.
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

/** The two wire formats the runs mix: OpenAI chat (SSE when streamed) and Ollama chat (NDJSON). */
export type ChatFlavour = 'openai' | 'ollama';

export interface ChatRequest {
  flavour: ChatFlavour;
  stream: boolean;
  model: string;
  /** Extra request headers, e.g. `x-mock-fault`. */
  headers?: Record<string, string>;
}

/**
 * - `ok`: a 200 whose body is complete (the stream's proper ending, or a whole JSON answer).
 * - `http-error`: Olla answered with another status (`body` holds its answer).
 * - `failed-before-headers`: the connection to Olla failed before a status arrived.
 * - `interrupted`: a 200 arrived, then the body ended early or broke.
 * - `aborted`: this client gave up on purpose (`abortAfterMs` / `abortAfterBytes`).
 * - `timeout`: the deadline passed; in these runs always a failure, since nothing may hang.
 */
export type OutcomeKind = 'ok' | 'http-error' | 'failed-before-headers' | 'interrupted' | 'aborted' | 'timeout';

export interface Outcome {
  kind: OutcomeKind;
  request: ChatRequest;
  status: number;
  /** `X-Olla-Endpoint` of the answer, when there was one. */
  endpoint: string | undefined;
  bytes: number;
  /** performance.now() marks; `headersAt` is -1 when no status arrived. */
  startedAt: number;
  headersAt: number;
  endedAt: number;
  body: string;
  error: string | undefined;
  /** For an `interrupted` stream: the message of the error frame it ended with, if it ended with one. */
  errorFrame?: string;
}

export interface SendOptions {
  /** Hard deadline for the whole exchange. */
  timeoutMs: number;
  /** Abort this long after sending, wherever the exchange has got to (`aborted`, not a failure). */
  abortAfterMs?: number;
  /** Abort when this signal fires (the run decides when a reader has hung on long enough). */
  signal?: AbortSignal;
  /** Abort once this many body bytes have arrived. */
  abortAfterBytes?: number;
  /** Sleep this long after each body chunk (a slow reader). */
  readDelayMs?: number;
  /** Keep at most this many body bytes in `Outcome.body` (default 64 KiB); larger bodies are only counted. */
  keepBytes?: number;
}

const PATHS: Readonly<Record<ChatFlavour, string>> = {
  openai: '/olla/proxy/v1/chat/completions',
  ollama: '/olla/ollama/api/chat',
};

const DEADLINE = Symbol('deadline');
const GAVE_UP = Symbol('gave-up');

/** A keep-alive client pool of its own, so the runs never share sockets with anything else. */
export function createClient(connections = 256): Agent {
  return new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000 });
}

export function chatBody(chat: ChatRequest): string {
  return JSON.stringify({ model: chat.model, messages: [{ role: 'user', content: 'stress' }], stream: chat.stream });
}

export async function sendChat(
  client: Agent,
  baseUrl: string,
  chat: ChatRequest,
  options: SendOptions,
): Promise<Outcome> {
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(DEADLINE), options.timeoutMs);
  const giveUp =
    options.abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(GAVE_UP), options.abortAfterMs);
  const external = options.signal;
  const onExternal = () => controller.abort(GAVE_UP);
  if (external?.aborted) onExternal();
  else external?.addEventListener('abort', onExternal, { once: true });
  const keepBytes = options.keepBytes ?? 65_536;
  const outcome: Outcome = {
    kind: 'ok',
    request: chat,
    status: 0,
    endpoint: undefined,
    bytes: 0,
    startedAt: performance.now(),
    headersAt: -1,
    endedAt: -1,
    body: '',
    error: undefined,
  };
  const kept: Buffer[] = [];
  let keptBytes = 0;
  try {
    const response = await request(`${baseUrl}${PATHS[chat.flavour]}`, {
      dispatcher: client,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...chat.headers },
      body: chatBody(chat),
      signal: controller.signal,
    });
    outcome.headersAt = performance.now();
    outcome.status = response.statusCode;
    const endpoint = response.headers['x-olla-endpoint'];
    outcome.endpoint = typeof endpoint === 'string' ? endpoint : undefined;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      outcome.bytes += chunk.length;
      if (keptBytes < keepBytes) {
        kept.push(chunk);
        keptBytes += chunk.length;
      }
      if (options.abortAfterBytes !== undefined && outcome.bytes >= options.abortAfterBytes) {
        controller.abort(GAVE_UP);
        break;
      }
      if (options.readDelayMs) await new Promise((resolve) => setTimeout(resolve, options.readDelayMs));
    }
    outcome.body = Buffer.concat(kept).toString('utf8');
    if (controller.signal.aborted) outcome.kind = controller.signal.reason === DEADLINE ? 'timeout' : 'aborted';
    else if (outcome.status !== 200) outcome.kind = 'http-error';
    else if (!isComplete(chat, outcome.body)) {
      outcome.kind = 'interrupted';
      outcome.errorFrame = chat.stream ? closingErrorFrame(chat, outcome.body) : undefined;
      outcome.error =
        outcome.errorFrame === undefined
          ? 'the body ended without its proper ending'
          : `the stream ended with an error frame: ${outcome.errorFrame}`;
    }
  } catch (error) {
    outcome.body = Buffer.concat(kept).toString('utf8');
    outcome.error =
      error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);
    if (controller.signal.aborted) outcome.kind = controller.signal.reason === DEADLINE ? 'timeout' : 'aborted';
    else outcome.kind = outcome.headersAt < 0 ? 'failed-before-headers' : 'interrupted';
  } finally {
    clearTimeout(deadline);
    external?.removeEventListener('abort', onExternal);
    if (giveUp !== undefined) clearTimeout(giveUp);
    outcome.endedAt = performance.now();
  }
  return outcome;
}

/**
 * Whether a 200 body is a whole answer: streams must carry their closing frame (`[DONE]` for
 * SSE, `"done":true` for NDJSON), whole answers must parse.
 */
export function isComplete(chat: ChatRequest, body: string): boolean {
  if (chat.stream) {
    return chat.flavour === 'openai' ? body.trimEnd().endsWith('data: [DONE]') : /"done":\s*true[^\n]*\n?$/.test(body);
  }
  try {
    const parsed = JSON.parse(body) as { choices?: unknown[]; done?: boolean };
    return chat.flavour === 'openai' ? Array.isArray(parsed.choices) : parsed.done === true;
  } catch {
    return false;
  }
}

/**
 * The message of the error frame a stream ends with, or undefined when its last frame is not one:
 * an SSE event whose JSON has `error` (OpenAI's `{error: {message}}`), or an NDJSON line with a
 * string `error` (Ollama's).
 */
export function closingErrorFrame(chat: ChatRequest, body: string): string | undefined {
  const frames = body.split(chat.flavour === 'openai' ? /\r?\n\r?\n/ : /\r?\n/).filter((f) => f.trim() !== '');
  const last = frames.at(-1);
  if (last === undefined) return undefined;
  const json = chat.flavour === 'openai' ? last.match(/^data: ?(.*)$/m)?.[1] : last;
  try {
    const parsed = JSON.parse(json ?? '') as { error?: string | { message?: string } };
    const error = parsed.error;
    return typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : undefined;
  } catch {
    return undefined;
  }
}
