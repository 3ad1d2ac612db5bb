import { ProviderType } from '../../../core/constants.js';
import type {
  AnthropicContentBlock,
  AnthropicImageSource,
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  OpenAIChatRequest,
  OpenAIContentPart,
  OpenAIMessage,
  OpenAITool,
  OpenAIToolCall,
  OpenAIToolChoice,
} from './types.js';

export interface RequestTranslationOptions {
  /**
   * Forward `top_k`. OpenAI's own API refuses fields it does not know, while vLLM, SGLang,
   * llama.cpp and friends honour it, so the caller decides from the candidate backends.
   */
  includeTopK?: boolean;
  /**
   * When streaming, ask for a final usage chunk (`stream_options.include_usage`) so the
   * Anthropic `message_delta` carries real token counts. Default true.
   */
  streamUsage?: boolean;
}

/**
 * Backends whose chat-completions endpoint takes `top_k`. OpenAI itself (and gateways that
 * forward to it) refuse unknown fields, so `top_k` is only sent when every candidate is one of these.
 */
const TOP_K_BACKENDS: ReadonlySet<string> = new Set([
  ProviderType.vllm,
  ProviderType.sglang,
  ProviderType.llamaCpp,
  ProviderType.lmDeploy,
  ProviderType.lmStudio,
]);

/** Whether `top_k` can be sent to whichever of these backend types the balancer picks. */
export function backendsAcceptTopK(endpointTypes: Iterable<string>): boolean {
  let any = false;
  for (const type of endpointTypes) {
    if (!TOP_K_BACKENDS.has(type)) return false;
    any = true;
  }
  return any;
}

/** Where translated requests go on the backend (the proxy joins it to the endpoint URL). */
export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

const EMPTY_PARAMETERS: Readonly<Record<string, unknown>> = Object.freeze({ type: 'object', properties: {} });

function imageUrl(source: AnthropicImageSource): string {
  return source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url;
}

/**
 * OpenAI tool messages carry text only. Text blocks are joined; images are handed back so they can
 * ride in the user message that follows; anything else a lax client sent is kept as JSON text, as
 * the original does, so no result silently disappears.
 */
function toolResultText(content: unknown, images: OpenAIContentPart[]): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return JSON.stringify(content);
  const texts: string[] = [];
  for (const block of content as AnthropicContentBlock[]) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'image') images.push({ type: 'image_url', image_url: { url: imageUrl(block.source) } });
  }
  return texts.join('\n');
}

function toolResultMessage(block: AnthropicToolResultBlock, images: OpenAIContentPart[]): OpenAIMessage {
  let content = toolResultText(block.content, images);
  // Tool messages have no error flag, so the signal travels in the text; a result that already
  // reads as an error is left alone to avoid "Error: Error: …" on re-translation.
  if (block.is_error === true && !content.toLowerCase().startsWith('error')) content = `Error: ${content}`;
  return { role: 'tool', tool_call_id: block.tool_use_id, content };
}

function userMessages(blocks: AnthropicContentBlock[], out: OpenAIMessage[]): void {
  const parts: OpenAIContentPart[] = [];
  let hasImage = false;
  for (const block of blocks) {
    switch (block.type) {
      case 'text':
        if (block.text !== '') parts.push({ type: 'text', text: block.text });
        break;
      case 'image':
        hasImage = true;
        parts.push({ type: 'image_url', image_url: { url: imageUrl(block.source) } });
        break;
      case 'tool_result': {
        const before = parts.length;
        out.push(toolResultMessage(block, parts));
        if (parts.length > before) hasImage = true;
        break;
      }
    }
  }
  if (parts.length === 0) return;
  // Tool messages go first: backends require them straight after the assistant's tool_calls.
  // Text alone stays a plain string, as the original sends it; only images need the parts form.
  const content = hasImage ? parts : parts.map((p) => (p as { text: string }).text).join('');
  out.push({ role: 'user', content });
}

function assistantMessage(blocks: AnthropicContentBlock[], out: OpenAIMessage[]): void {
  let text = '';
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of blocks) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  // An assistant turn of only thinking (or nothing) would be an empty message, which several
  // backends reject; the original skips it.
  if (text === '' && toolCalls.length === 0) return;
  if (toolCalls.length === 0) out.push({ role: 'assistant', content: text });
  else out.push({ role: 'assistant', content: text === '' ? null : text, tool_calls: toolCalls });
}

function convertMessage(message: AnthropicMessageParam, out: OpenAIMessage[]): void {
  if (typeof message.content === 'string') {
    if (message.content !== '') out.push({ role: message.role, content: message.content });
    return;
  }
  if (message.role === 'user') userMessages(message.content, out);
  else assistantMessage(message.content, out);
}

function systemText(system: AnthropicRequest['system']): string {
  if (system === undefined) return '';
  if (typeof system === 'string') return system;
  let text = '';
  for (const block of system) if (block.type === 'text') text += block.text;
  return text;
}

function convertTool(tool: AnthropicTool): OpenAITool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      description: tool.description ?? '',
      // Server tools (web search and the like) carry no schema; a backend needs an object.
      parameters: tool.input_schema ?? { ...EMPTY_PARAMETERS },
    },
  };
}

export function convertToolChoice(choice: AnthropicToolChoice): OpenAIToolChoice {
  switch (choice.type) {
    case 'any':
      // Anthropic's "any" (must call some tool) is OpenAI's "required".
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    default:
      return 'auto';
  }
}

/** Translates a validated Anthropic Messages request into an OpenAI chat-completions request. */
export function anthropicToOpenAI(req: AnthropicRequest, opts: RequestTranslationOptions = {}): OpenAIChatRequest {
  const messages: OpenAIMessage[] = [];
  const system = systemText(req.system);
  if (system !== '') messages.push({ role: 'system', content: system });
  for (const message of req.messages) convertMessage(message, messages);

  const stream = req.stream === true;
  const out: OpenAIChatRequest = { model: req.model, messages, max_tokens: req.max_tokens, stream };
  if (stream && opts.streamUsage !== false) out.stream_options = { include_usage: true };
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.top_k !== undefined && opts.includeTopK === true) out.top_k = req.top_k;
  if (req.stop_sequences !== undefined && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  if (req.tools !== undefined && req.tools.length > 0) {
    out.tools = req.tools.map(convertTool);
    // As in the original, a tool_choice without tools means nothing to a backend and is dropped.
    if (req.tool_choice !== undefined) {
      out.tool_choice = convertToolChoice(req.tool_choice);
      if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use === true) {
        out.parallel_tool_calls = false;
      }
    }
  }
  const user = req.metadata?.user_id;
  if (typeof user === 'string' && user !== '') out.user = user;
  return out;
}
