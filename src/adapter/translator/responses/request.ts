import type { OpenAIContentPart, OpenAIMessage, OpenAITool, OpenAIToolCall, OpenAIToolChoice } from '../openai-chat.js';
import type { ResponsesContentPart, ResponsesInputItem, ResponsesRequest, ResponsesTool } from './types.js';

export { CHAT_COMPLETIONS_PATH } from '../anthropic/request.js';

/** The chat-completions body a Responses request becomes (`max_tokens` optional, unlike Anthropic's). */
export interface ResponsesChatRequest {
  model: string;
  messages: OpenAIMessage[];
  stream: boolean;
  stream_options?: { include_usage: boolean };
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  tools?: OpenAITool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  reasoning_effort?: string;
  response_format?: { type: 'json_object' } | { type: 'json_schema'; json_schema: Record<string, unknown> };
}

export interface ChatTranslation {
  chat: ResponsesChatRequest;
  /** Tool and item types with no chat equivalent, left out (reported in a warning header). */
  dropped: string[];
}

function partText(part: ResponsesContentPart): string {
  const p = part as { text?: unknown; refusal?: unknown };
  if (typeof p.text === 'string') return p.text;
  return typeof p.refusal === 'string' ? p.refusal : '';
}

function userContent(content: string | ResponsesContentPart[]): string | OpenAIContentPart[] {
  if (typeof content === 'string') return content;
  const parts: OpenAIContentPart[] = [];
  let images = false;
  for (const part of content) {
    if (part.type === 'input_image') {
      const url = (part as { image_url?: unknown }).image_url;
      if (typeof url === 'string' && url !== '') {
        parts.push({ type: 'image_url', image_url: { url } });
        images = true;
      }
    } else {
      parts.push({ type: 'text', text: partText(part) });
    }
  }
  // Text-only content goes as a plain string: some local servers take nothing else.
  return images ? parts : parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

function textOf(content: string | ResponsesContentPart[]): string {
  return typeof content === 'string' ? content : content.map(partText).join('');
}

/** The conversation as chat messages: assistant tool calls merged onto one message, outputs as `tool` messages. */
export function itemsToMessages(items: readonly ResponsesInputItem[], dropped: Set<string>): OpenAIMessage[] {
  const messages: OpenAIMessage[] = [];
  for (const item of items) {
    const type = item.type ?? 'message';
    if (type === 'message') {
      const m = item as { role: string; content: string | ResponsesContentPart[] };
      if (m.role === 'assistant') messages.push({ role: 'assistant', content: textOf(m.content) });
      // Local chat templates know `system`; `developer` is OpenAI's newer name for it.
      else if (m.role === 'system' || m.role === 'developer')
        messages.push({ role: 'system', content: textOf(m.content) });
      else messages.push({ role: 'user', content: userContent(m.content) });
    } else if (type === 'function_call') {
      const c = item as { call_id: string; name: string; arguments: string };
      const call: OpenAIToolCall = {
        id: c.call_id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      };
      const last = messages.at(-1);
      if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (type === 'function_call_output') {
      const o = item as { call_id: string; output: string | ResponsesContentPart[] };
      messages.push({ role: 'tool', tool_call_id: o.call_id, content: textOf(o.output) });
    } else if (type !== 'reasoning') {
      // Reasoning items are the model's own earlier thoughts: chat backends take none back.
      dropped.add(type);
    }
  }
  for (const m of messages) if (m.role === 'assistant' && m.tool_calls && m.content === '') m.content = null;
  return messages;
}

function chatTools(tools: readonly ResponsesTool[], dropped: Set<string>): OpenAITool[] {
  const out: OpenAITool[] = [];
  for (const tool of tools) {
    if (tool.type !== 'function' || !tool.name) {
      dropped.add(tool.type);
      continue;
    }
    out.push({
      type: 'function',
      function: {
        name: tool.name,
        description: tool.description ?? '',
        parameters: tool.parameters ?? { type: 'object', properties: {} },
      },
    });
  }
  return out;
}

function chatToolChoice(choice: unknown): OpenAIToolChoice | undefined {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  const named = choice as { type?: unknown; name?: unknown } | null;
  if (named?.type === 'function' && typeof named.name === 'string')
    return { type: 'function', function: { name: named.name } };
  return undefined;
}

/**
 * A validated Responses request (plus the stored conversation before it, for
 * `previous_response_id`) as a chat-completions request.
 */
export function responsesToChat(req: ResponsesRequest, history: readonly ResponsesInputItem[] = []): ChatTranslation {
  const dropped = new Set<string>();
  const input: ResponsesInputItem[] =
    typeof req.input === 'string' ? [{ role: 'user', content: req.input }] : (req.input ?? []);
  const messages = itemsToMessages([...history, ...input], dropped);
  if (req.instructions) messages.unshift({ role: 'system', content: req.instructions });
  const stream = req.stream === true;
  const chat: ResponsesChatRequest = { model: req.model, messages, stream };
  if (stream) chat.stream_options = { include_usage: true };
  if (req.max_output_tokens !== undefined) chat.max_tokens = req.max_output_tokens;
  if (req.temperature !== undefined) chat.temperature = req.temperature;
  if (req.top_p !== undefined) chat.top_p = req.top_p;
  const tools = chatTools(req.tools ?? [], dropped);
  if (tools.length > 0) {
    chat.tools = tools;
    const choice = chatToolChoice(req.tool_choice);
    if (choice) chat.tool_choice = choice;
    if (typeof req.parallel_tool_calls === 'boolean') chat.parallel_tool_calls = req.parallel_tool_calls;
  }
  const effort = req.reasoning?.effort;
  if (typeof effort === 'string' && effort !== '') chat.reasoning_effort = effort;
  const format = req.text?.format;
  if (format?.type === 'json_object') chat.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') {
    const { type: _type, ...schema } = format;
    chat.response_format = { type: 'json_schema', json_schema: schema };
  }
  return { chat, dropped: [...dropped] };
}
