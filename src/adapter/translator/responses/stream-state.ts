import type { ChunkStreamState } from '../chunk-stream.js';
import type { OpenAIChatCompletion, OpenAIChunk, OpenAIResponseToolCall } from '../openai-chat.js';
import { tokenCount } from '../tokens.js';
import { errorText } from '../upstream.js';
import { newCallId, newItemId, newResponseId } from './ids.js';
import type { ResponseObject, ResponsesOutputItem, ResponsesRequest, ResponsesStreamEvent } from './types.js';

type MessageItem = Extract<ResponsesOutputItem, { type: 'message' }>;
type CallItem = Extract<ResponsesOutputItem, { type: 'function_call' }>;
type ReasoningItem = Extract<ResponsesOutputItem, { type: 'reasoning' }>;

interface ToolTrack {
  item: CallItem | undefined;
  outputIndex: number;
  /** Arguments that arrived before the name (the item opens once it has one). */
  pending: string;
  id: string;
}

/** The request fields a response object echoes back. */
export function responseShell(req: ResponsesRequest, id: string, createdAt: number): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    model: req.model,
    output: [],
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: req.previous_response_id ?? null,
    store: req.store !== false,
    temperature: req.temperature ?? null,
    top_p: req.top_p ?? null,
    tool_choice: req.tool_choice ?? 'auto',
    tools: req.tools ?? [],
    truncation: 'disabled',
    usage: null,
    metadata: {},
  };
}

/**
 * Chat-completion chunks in, Responses stream events out, every event stamped with its
 * `sequence_number`. Each output item is announced (`output_item.added`) before its deltas and
 * finished (`.done`, `output_item.done`) before `response.completed`. Text and reasoning close
 * when the model switches to something else; tool calls, which backends may interleave by index,
 * stay open until the end. A non-streaming completion is fed through as one chunk, so both paths
 * build the same response.
 */
export class ResponsesStreamState implements ChunkStreamState<ResponsesStreamEvent> {
  readonly response: ResponseObject;
  #seq = 0;
  #started = false;
  #done = false;
  #failed = false;
  #out: ResponsesStreamEvent[] = [];
  #text: { item: MessageItem; index: number } | undefined;
  #reasoning: { item: ReasoningItem; index: number } | undefined;
  #tools = new Map<number, ToolTrack>();
  #finishReason: string | undefined;
  #inputTokens = 0;
  #outputTokens = 0;
  #reasoningTokens = 0;
  #cachedTokens = 0;

  constructor(req: ResponsesRequest, createdAt = Math.floor(Date.now() / 1000)) {
    this.response = responseShell(req, newResponseId(), createdAt);
  }

  get done(): boolean {
    return this.#done;
  }

  get failed(): boolean {
    return this.#failed;
  }

  push(chunk: OpenAIChunk): ResponsesStreamEvent[] {
    if (this.#done) return [];
    this.#out = [];
    if (chunk.error !== undefined && chunk.error !== null) return this.fail(errorText(chunk.error));
    if (!this.#started && typeof chunk.model === 'string' && chunk.model !== '') this.response.model = chunk.model;
    this.#ensureStarted();
    const usage = chunk.usage;
    if (usage) {
      this.#inputTokens = tokenCount(usage.prompt_tokens);
      this.#outputTokens = tokenCount(usage.completion_tokens);
      this.#reasoningTokens = tokenCount(usage.completion_tokens_details?.reasoning_tokens);
      this.#cachedTokens = tokenCount(usage.prompt_tokens_details?.cached_tokens);
    }
    const choice = chunk.choices?.[0];
    if (!choice) return this.#out;
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '')
      this.#finishReason = choice.finish_reason;
    const delta = choice.delta;
    if (!delta) return this.#out;
    const reasoning = delta.reasoning || delta.reasoning_content;
    if (typeof reasoning === 'string' && reasoning !== '') this.#reasoningDelta(reasoning);
    if (typeof delta.content === 'string' && delta.content !== '') this.#textDelta(delta.content);
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) this.#toolDelta(call);
    return this.#out;
  }

  finish(): ResponsesStreamEvent[] {
    if (this.#done) return [];
    this.#out = [];
    this.#ensureStarted();
    this.#closeText();
    this.#closeReasoning();
    for (const track of this.#tools.values()) {
      if (!track.item) this.#openTool(track, '');
      this.#closeTool(track);
    }
    const incomplete = this.#finishReason === 'length';
    this.response.status = incomplete ? 'incomplete' : 'completed';
    if (incomplete) this.response.incomplete_details = { reason: 'max_output_tokens' };
    this.response.usage = {
      input_tokens: this.#inputTokens,
      input_tokens_details: { cached_tokens: this.#cachedTokens },
      output_tokens: this.#outputTokens,
      output_tokens_details: { reasoning_tokens: this.#reasoningTokens },
      total_tokens: this.#inputTokens + this.#outputTokens,
    };
    this.#emit({ type: incomplete ? 'response.incomplete' : 'response.completed', response: this.response });
    this.#done = true;
    return this.#out;
  }

  fail(message: string): ResponsesStreamEvent[] {
    if (this.#done) return [];
    this.#out = [];
    this.#ensureStarted();
    this.response.status = 'failed';
    this.response.error = { code: 'server_error', message };
    this.#emit({ type: 'response.failed', response: this.response });
    this.#done = true;
    this.#failed = true;
    return this.#out;
  }

  /** The concatenated text of the message items (the SDKs' `output_text`). */
  outputText(): string {
    let text = '';
    for (const item of this.response.output) if (item.type === 'message') for (const c of item.content) text += c.text;
    return text;
  }

  #emit(event: ResponsesStreamEvent): void {
    // Snapshots: later changes to the live response must not rewrite events already queued.
    this.#out.push(JSON.parse(JSON.stringify({ ...event, sequence_number: this.#seq++ })) as ResponsesStreamEvent);
  }

  #ensureStarted(): void {
    if (this.#started) return;
    this.#started = true;
    this.#emit({ type: 'response.created', response: this.response });
    this.#emit({ type: 'response.in_progress', response: this.response });
  }

  #addItem(item: ResponsesOutputItem): number {
    const index = this.response.output.length;
    this.response.output.push(item);
    this.#emit({ type: 'response.output_item.added', output_index: index, item });
    return index;
  }

  #reasoningDelta(text: string): void {
    this.#closeText();
    if (!this.#reasoning) {
      const item: ReasoningItem = { type: 'reasoning', id: newItemId('rs'), summary: [] };
      const index = this.#addItem(item);
      item.summary.push({ type: 'summary_text', text: '' });
      this.#emit({
        type: 'response.reasoning_summary_part.added',
        item_id: item.id,
        output_index: index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
      this.#reasoning = { item, index };
    }
    const { item, index } = this.#reasoning;
    item.summary[0]!.text += text;
    this.#emit({
      type: 'response.reasoning_summary_text.delta',
      item_id: item.id,
      output_index: index,
      summary_index: 0,
      delta: text,
    });
  }

  #closeReasoning(): void {
    if (!this.#reasoning) return;
    const { item, index } = this.#reasoning;
    const text = item.summary[0]!.text;
    const base = { item_id: item.id, output_index: index, summary_index: 0 };
    this.#emit({ type: 'response.reasoning_summary_text.done', ...base, text });
    this.#emit({ type: 'response.reasoning_summary_part.done', ...base, part: { type: 'summary_text', text } });
    this.#emit({ type: 'response.output_item.done', output_index: index, item });
    this.#reasoning = undefined;
  }

  #textDelta(text: string): void {
    this.#closeReasoning();
    if (!this.#text) {
      const item: MessageItem = {
        type: 'message',
        id: newItemId('msg'),
        role: 'assistant',
        status: 'in_progress',
        content: [],
      };
      const index = this.#addItem(item);
      item.content.push({ type: 'output_text', text: '', annotations: [] });
      this.#emit({
        type: 'response.content_part.added',
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      });
      this.#text = { item, index };
    }
    const { item, index } = this.#text;
    item.content[0]!.text += text;
    this.#emit({
      type: 'response.output_text.delta',
      item_id: item.id,
      output_index: index,
      content_index: 0,
      delta: text,
      logprobs: [],
    });
  }

  #closeText(): void {
    if (!this.#text) return;
    const { item, index } = this.#text;
    const part = item.content[0]!;
    const base = { item_id: item.id, output_index: index, content_index: 0 };
    this.#emit({ type: 'response.output_text.done', ...base, text: part.text, logprobs: [] });
    this.#emit({ type: 'response.content_part.done', ...base, part });
    item.status = 'completed';
    this.#emit({ type: 'response.output_item.done', output_index: index, item });
    this.#text = undefined;
  }

  #toolDelta(call: OpenAIResponseToolCall): void {
    const key = typeof call.index === 'number' ? call.index : 0;
    let track = this.#tools.get(key);
    if (!track) {
      track = { item: undefined, outputIndex: -1, pending: '', id: '' };
      this.#tools.set(key, track);
    }
    if (call.id && !track.id) track.id = call.id;
    const args = call.function?.arguments ?? '';
    if (!track.item) {
      track.pending += args;
      const name = call.function?.name;
      if (name) this.#openTool(track, name);
      return;
    }
    if (args !== '') this.#argsDelta(track.item, track.outputIndex, args);
  }

  #openTool(track: ToolTrack, name: string): void {
    this.#closeText();
    this.#closeReasoning();
    const item: CallItem = {
      type: 'function_call',
      id: newItemId('fc'),
      call_id: track.id || newCallId(),
      name,
      arguments: '',
      status: 'in_progress',
    };
    track.item = item;
    track.outputIndex = this.#addItem(item);
    if (track.pending !== '') this.#argsDelta(item, track.outputIndex, track.pending);
    track.pending = '';
  }

  #argsDelta(item: CallItem, index: number, delta: string): void {
    item.arguments += delta;
    this.#emit({ type: 'response.function_call_arguments.delta', item_id: item.id, output_index: index, delta });
  }

  #closeTool(track: ToolTrack): void {
    const item = track.item!;
    this.#emit({
      type: 'response.function_call_arguments.done',
      item_id: item.id,
      output_index: track.outputIndex,
      name: item.name,
      arguments: item.arguments,
    });
    item.status = 'completed';
    this.#emit({ type: 'response.output_item.done', output_index: track.outputIndex, item });
  }
}

/** A whole chat completion as the equivalent single chunk (tool calls numbered in order). */
export function completionAsChunk(completion: OpenAIChatCompletion): OpenAIChunk {
  const choice = completion.choices?.[0];
  const message = choice?.message;
  return {
    model: completion.model,
    usage: completion.usage,
    choices: [
      {
        finish_reason: choice?.finish_reason ?? null,
        delta: message && {
          content: message.content,
          reasoning: message.reasoning,
          reasoning_content: message.reasoning_content,
          tool_calls: message.tool_calls?.map((call, index) => ({ ...call, index })),
        },
      },
    ],
  };
}
