import { UpstreamError } from '../../../core/errors.js';
import { tokenCount } from '../tokens.js';
import { newMessageId, newToolUseId } from './ids.js';
import type {
  AnthropicMessage,
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicUsage,
  OpenAIChatCompletion,
  OpenAIUsage,
} from './types.js';

export interface StopOutcome {
  stop_reason: AnthropicStopReason;
  stop_sequence: string | null;
}

/**
 * vLLM and SGLang name the stop string that ended generation in `choice.stop_reason`; when it is
 * one the client asked for, Anthropic clients can be told exactly which (`stop_sequence`).
 */
export function matchedStopSequence(stopReason: unknown, stopSequences: readonly string[] | undefined): string | null {
  return typeof stopReason === 'string' && stopSequences?.includes(stopReason) === true ? stopReason : null;
}

/**
 * OpenAI `finish_reason` → Anthropic `stop_reason`, shared by both response paths. A content
 * filter is a `refusal` (the stop reason Anthropic's API has for it); other unknown reasons end the
 * turn, as in the original. Two refinements: a matched
 * stop sequence is reported as such, and a backend that says `stop` (or nothing) after emitting
 * tool calls, as some local servers do, still yields `tool_use` so agent loops run the tools.
 */
export function mapFinishReason(
  finishReason: string | null | undefined,
  hasToolUse: boolean,
  stopSequence: string | null,
): StopOutcome {
  switch (finishReason) {
    case 'length':
      return { stop_reason: 'max_tokens', stop_sequence: null };
    case 'tool_calls':
    case 'function_call':
      return { stop_reason: 'tool_use', stop_sequence: null };
    case 'stop':
    case null:
    case undefined:
    case '':
      if (stopSequence !== null) return { stop_reason: 'stop_sequence', stop_sequence: stopSequence };
      return { stop_reason: hasToolUse ? 'tool_use' : 'end_turn', stop_sequence: null };
    case 'content_filter':
      return { stop_reason: 'refusal', stop_sequence: null };
    default:
      return { stop_reason: 'end_turn', stop_sequence: null };
  }
}

/** Tool arguments arrive as a JSON string; Anthropic wants an object. Bad JSON becomes `{}`, as in the original. */
export function parseToolInput(args: string | undefined): Record<string, unknown> {
  if (args === undefined || args === '') return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** Backend ids are kept whatever their form (clients echo them back in tool_result); a missing one is minted. */
export function toolUseId(id: string | undefined): string {
  return id !== undefined && id !== '' ? id : newToolUseId();
}

export { tokenCount };

/**
 * OpenAI counts cached prompt tokens inside `prompt_tokens`; Anthropic counts them apart, in
 * `cache_read_input_tokens`, so they move there. Reasoning tokens are reported as Anthropic's
 * `output_tokens_details.thinking_tokens` (still included in `output_tokens`, as on both sides).
 */
export function convertUsage(usage: OpenAIUsage | null | undefined): AnthropicUsage {
  const prompt = tokenCount(usage?.prompt_tokens);
  const cached = Math.min(prompt, tokenCount(usage?.prompt_tokens_details?.cached_tokens));
  const reasoning = tokenCount(usage?.completion_tokens_details?.reasoning_tokens);
  const out: AnthropicUsage = { input_tokens: prompt - cached, output_tokens: tokenCount(usage?.completion_tokens) };
  if (cached > 0) out.cache_read_input_tokens = cached;
  if (reasoning > 0) out.output_tokens_details = { thinking_tokens: reasoning };
  return out;
}

/**
 * Translates a non-streaming chat completion into an Anthropic message: reasoning first (as a
 * thinking block, from `reasoning` or `reasoning_content`), then text, then tool calls.
 * Throws `UpstreamError` when the backend sent no choice to translate.
 */
export function openAIToAnthropic(
  resp: OpenAIChatCompletion,
  requestModel: string,
  stopSequences?: readonly string[],
): AnthropicMessage {
  const choice = resp.choices?.[0];
  const message = choice?.message;
  if (!choice || !message) throw new UpstreamError('no choices in OpenAI response');

  const content: AnthropicResponseBlock[] = [];
  const reasoning = message.reasoning || message.reasoning_content;
  if (typeof reasoning === 'string' && reasoning !== '') {
    content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  }
  if (typeof message.content === 'string' && message.content !== '')
    content.push({ type: 'text', text: message.content });

  let hasToolUse = false;
  for (const call of message.tool_calls ?? []) {
    if (!call.function) continue;
    hasToolUse = true;
    content.push({
      type: 'tool_use',
      id: toolUseId(call.id),
      name: call.function.name ?? '',
      input: parseToolInput(call.function.arguments),
    });
  }
  // The legacy single `function_call` form, still sent by a few OpenAI-compatible servers.
  if (message.function_call?.name) {
    hasToolUse = true;
    content.push({
      type: 'tool_use',
      id: newToolUseId(),
      name: message.function_call.name,
      input: parseToolInput(message.function_call.arguments),
    });
  }
  // Anthropic clients index content[0]; an empty answer is one empty text block.
  if (content.length === 0) content.push({ type: 'text', text: '' });

  const stop = mapFinishReason(
    choice.finish_reason,
    hasToolUse,
    matchedStopSequence(choice.stop_reason, stopSequences),
  );
  return {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    model: resp.model || requestModel,
    content,
    stop_reason: stop.stop_reason,
    stop_sequence: stop.stop_sequence,
    usage: convertUsage(resp.usage),
  };
}
