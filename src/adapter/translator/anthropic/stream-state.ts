import { errorText } from '../upstream.js';
import { newMessageId } from './ids.js';
import { convertUsage, mapFinishReason, matchedStopSequence, parseToolInput, toolUseId } from './response.js';
import type {
  AnthropicMessage,
  AnthropicResponseBlock,
  AnthropicStreamEvent,
  AnthropicStreamUsage,
  OpenAIChunk,
  OpenAIResponseToolCall,
} from './types.js';

export interface StreamStateOptions {
  /** The requested model, reported until the backend names its own. */
  model: string;
  /** Estimated prompt tokens for `message_start`, replaced by real usage when the backend sends it. */
  inputTokens?: number;
  /** The request's stop sequences, to report which one ended generation. */
  stopSequences?: readonly string[];
  /** Keep the streamed content so `message()` can rebuild the whole reply (for the inspector). */
  collect?: boolean;
}

const WAITING = 0;
const OPEN = 1;
const CLOSED = 2;

/** One OpenAI tool call as it streams in, and the Anthropic block it becomes. */
interface ToolTrack {
  id: string;
  name: string;
  /** Every argument fragment so far: decides when the call is complete. */
  args: string;
  /** Fragments received before the block could open; sent as one delta when it does. */
  pending: string;
  state: typeof WAITING | typeof OPEN | typeof CLOSED;
  queued: boolean;
  collected: { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> } | undefined;
}

type OpenKind = 'text' | 'thinking' | 'tool';

/** Whether a tool's arguments already form a whole JSON value, so its block can close safely. */
function isCompleteJson(args: string): boolean {
  const trimmed = args.trimEnd();
  const last = trimmed.charCodeAt(trimmed.length - 1);
  // optimisation: only a value ending in } or ] can be a whole object or array; skip the parse otherwise.
  if (last !== 0x7d && last !== 0x5d) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns OpenAI chat-completion chunks into Anthropic stream events, one chunk at a time: every
 * event is returned as soon as the chunk that causes it arrives.
 *
 * Anthropic clients expect one open content block at a time, each `content_block_start` closed by
 * a `content_block_stop` with the same index, indices increasing. OpenAI backends may instead send
 * several tool calls at once, their argument fragments interleaved by `index`. The live tool block
 * keeps streaming; a tool that starts while the live one's arguments are still incomplete JSON
 * waits (its fragments buffered) and opens, with everything it has so far, once the live one is
 * complete or the stream ends. Sequential tool calls, the usual case, therefore stream unbuffered.
 * Arguments for a block already closed (a backend that resumes a tool after text) cannot be
 * delivered: as in the original the stream ends with an `error` event rather than corrupt input.
 */
export class AnthropicStreamState {
  readonly messageId: string;
  #model: string;
  #stopSequences: readonly string[] | undefined;
  #started = false;
  #done = false;
  #failed = false;
  #pinged = false;
  #nextIndex = 0;
  #openKind: OpenKind | undefined = undefined;
  #openIndex = -1;
  #openTool: ToolTrack | undefined = undefined;
  #tools = new Map<number, ToolTrack>();
  #retired = 0;
  #queue: ToolTrack[] = [];
  #hasToolUse = false;
  #finishReason: string | undefined = undefined;
  #stopSequence: string | null = null;
  #inputTokens: number;
  #outputTokens = 0;
  #cacheReadTokens = 0;
  #thinkingTokens = 0;
  /** UTF-8 bytes of text and thinking, for the original's chars/4 estimate when no usage arrives. */
  #outputBytes = 0;
  #collected: AnthropicResponseBlock[] | undefined;
  #out: AnthropicStreamEvent[] = [];

  constructor(opts: StreamStateOptions) {
    this.messageId = newMessageId();
    this.#model = opts.model;
    this.#stopSequences = opts.stopSequences;
    this.#inputTokens = opts.inputTokens ?? 0;
    this.#collected = opts.collect === true ? [] : undefined;
  }

  /** True once `message_stop` or an `error` event has been emitted; later input is ignored. */
  get done(): boolean {
    return this.#done;
  }

  /** True when the stream ended with an `error` event. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Events for one OpenAI chunk. */
  push(chunk: OpenAIChunk): AnthropicStreamEvent[] {
    if (this.#done) return [];
    const out: AnthropicStreamEvent[] = [];
    this.#out = out;
    if (chunk.error !== undefined && chunk.error !== null) {
      this.#emitError(errorText(chunk.error));
      return out;
    }
    if (!this.#started && typeof chunk.model === 'string' && chunk.model !== '') this.#model = chunk.model;
    this.#ensureStarted();

    // Usage often rides alone on a final chunk with no choices (include_usage), so read it first.
    const usage = chunk.usage;
    if (usage) {
      const converted = convertUsage(usage);
      if (converted.input_tokens + (converted.cache_read_input_tokens ?? 0) > 0) {
        this.#inputTokens = converted.input_tokens;
        this.#cacheReadTokens = converted.cache_read_input_tokens ?? 0;
      }
      this.#outputTokens = converted.output_tokens;
      this.#thinkingTokens = converted.output_tokens_details?.thinking_tokens ?? 0;
    }

    const choice = chunk.choices?.[0];
    if (!choice) return out;
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') {
      this.#finishReason = choice.finish_reason;
      this.#stopSequence = matchedStopSequence(choice.stop_reason, this.#stopSequences);
    }
    const delta = choice.delta;
    if (!delta) return out;

    // Reasoning, text and tool calls can share one chunk (some adapters coalesce them); each is
    // handled in turn, and each switch of kind closes the block before it.
    const reasoning = delta.reasoning || delta.reasoning_content;
    if (typeof reasoning === 'string' && reasoning !== '') this.#thinking(reasoning);
    if (typeof delta.content === 'string' && delta.content !== '') this.#text(delta.content);
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        if (this.#done) break;
        this.#toolDelta(call);
      }
    }
    return out;
  }

  /** Closing events: open blocks stopped, then `message_delta` and `message_stop`. Idempotent. */
  finish(): AnthropicStreamEvent[] {
    if (this.#done) return [];
    const out: AnthropicStreamEvent[] = [];
    this.#out = out;
    this.#ensureStarted();
    this.#drainQueue(true);
    this.#closeOpen();

    // Without upstream usage, estimate as the original does (chars/4 of text and thinking).
    if (this.#outputTokens === 0 && this.#outputBytes > 0) {
      this.#outputTokens = Math.max(1, Math.floor(this.#outputBytes / 4));
    }
    const stop = mapFinishReason(this.#finishReason, this.#hasToolUse, this.#stopSequence);
    out.push({ type: 'message_delta', delta: stop, usage: this.#usage(this.#outputTokens) });
    out.push({ type: 'message_stop' });
    this.#done = true;
    return out;
  }

  /** An `error` event that ends the stream (e.g. the upstream connection failed mid-way). */
  fail(message: string): AnthropicStreamEvent[] {
    if (this.#done) return [];
    const out: AnthropicStreamEvent[] = [];
    this.#out = out;
    this.#emitError(message);
    return out;
  }

  /** The whole reply as a non-streaming message would carry it; content only with `collect`. */
  message(): AnthropicMessage {
    const content = this.#collected ?? [];
    for (const track of this.#tools.values()) {
      if (track.collected) track.collected.input = parseToolInput(track.args);
    }
    const stop = mapFinishReason(this.#finishReason, this.#hasToolUse, this.#stopSequence);
    return {
      id: this.messageId,
      type: 'message',
      role: 'assistant',
      model: this.#model,
      content,
      stop_reason: stop.stop_reason,
      stop_sequence: stop.stop_sequence,
      usage: this.#usage(this.#outputTokens),
    };
  }

  #usage(outputTokens: number): AnthropicStreamUsage {
    const usage: AnthropicStreamUsage = {
      input_tokens: this.#inputTokens,
      output_tokens: outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: this.#cacheReadTokens,
    };
    if (this.#thinkingTokens > 0) usage.output_tokens_details = { thinking_tokens: this.#thinkingTokens };
    return usage;
  }

  #ensureStarted(): void {
    if (this.#started) return;
    this.#started = true;
    this.#out.push({
      type: 'message_start',
      message: {
        id: this.messageId,
        type: 'message',
        role: 'assistant',
        model: this.#model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: this.#usage(0),
      },
    });
  }

  #emitError(message: string): void {
    this.#out.push({ type: 'error', error: { type: 'api_error', message } });
    this.#done = true;
    this.#failed = true;
  }

  #openBlock(
    kind: OpenKind,
    block: Extract<AnthropicStreamEvent, { type: 'content_block_start' }>['content_block'],
  ): number {
    this.#closeOpen();
    const index = this.#nextIndex++;
    this.#openKind = kind;
    this.#openIndex = index;
    this.#out.push({ type: 'content_block_start', index, content_block: block });
    // Anthropic's own streams send a ping after the first block opens; some clients wait for it.
    if (!this.#pinged) {
      this.#pinged = true;
      this.#out.push({ type: 'ping' });
    }
    return index;
  }

  #closeOpen(): void {
    if (this.#openKind === undefined) return;
    this.#out.push({ type: 'content_block_stop', index: this.#openIndex });
    if (this.#openTool) this.#openTool.state = CLOSED;
    this.#openKind = undefined;
    this.#openTool = undefined;
  }

  #thinking(text: string): void {
    if (this.#openKind !== 'thinking') {
      this.#openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
      this.#collected?.push({ type: 'thinking', thinking: '', signature: '' });
    }
    this.#out.push({
      type: 'content_block_delta',
      index: this.#openIndex,
      delta: { type: 'thinking_delta', thinking: text },
    });
    this.#outputBytes += Buffer.byteLength(text);
    const last = this.#collected?.at(-1);
    if (last?.type === 'thinking') last.thinking += text;
  }

  #text(text: string): void {
    if (this.#openKind !== 'text') {
      this.#openBlock('text', { type: 'text', text: '' });
      this.#collected?.push({ type: 'text', text: '' });
    }
    this.#out.push({ type: 'content_block_delta', index: this.#openIndex, delta: { type: 'text_delta', text } });
    this.#outputBytes += Buffer.byteLength(text);
    const last = this.#collected?.at(-1);
    if (last?.type === 'text') last.text += text;
  }

  #toolDelta(call: OpenAIResponseToolCall): void {
    const key = typeof call.index === 'number' ? call.index : 0;
    let track = this.#tools.get(key);
    // Some servers number every call 0 and tell them apart only by id: a new id is a new call.
    if (track && call.id && track.id && call.id !== track.id && track.name) {
      // Kept under a key no backend uses, so the reply rebuilt for the inspector still has it.
      this.#tools.delete(key);
      this.#tools.set(-++this.#retired, track);
      track = undefined;
    }
    if (!track) {
      track = { id: '', name: '', args: '', pending: '', state: WAITING, queued: false, collected: undefined };
      this.#tools.set(key, track);
    }
    if (call.id && !track.id) track.id = call.id;
    const name = call.function?.name;
    if (name && !track.name) track.name = name;
    const args = call.function?.arguments ?? '';
    track.args += args;

    switch (track.state) {
      case OPEN:
        if (args !== '') this.#argsDelta(args);
        if (this.#queue.length > 0) this.#drainQueue(false);
        return;
      case CLOSED:
        // Whitespace after a complete value changes nothing; real content would be lost.
        if (args.trim() !== '') {
          this.#emitError(`tool arguments received for already-stopped block (tool_index=${key})`);
        }
        return;
      default:
        track.pending += args;
        if (track.name && !track.queued) {
          track.queued = true;
          this.#queue.push(track);
        }
        this.#drainQueue(false);
    }
  }

  #argsDelta(partialJson: string): void {
    this.#out.push({
      type: 'content_block_delta',
      index: this.#openIndex,
      delta: { type: 'input_json_delta', partial_json: partialJson },
    });
  }

  /** Opens waiting tools in arrival order while the live tool (if any) has complete arguments. */
  #drainQueue(force: boolean): void {
    while (this.#queue.length > 0) {
      const live = this.#openTool;
      if (!force && live && !isCompleteJson(live.args)) return;
      this.#startTool(this.#queue.shift()!);
    }
  }

  #startTool(track: ToolTrack): void {
    const id = toolUseId(track.id);
    track.id = id;
    this.#openBlock('tool', { type: 'tool_use', id, name: track.name, input: {} });
    this.#openTool = track;
    track.state = OPEN;
    this.#hasToolUse = true;
    if (this.#collected) {
      track.collected = { type: 'tool_use', id, name: track.name, input: {} };
      this.#collected.push(track.collected);
    }
    if (track.pending !== '') {
      this.#argsDelta(track.pending);
      track.pending = '';
    }
  }
}
