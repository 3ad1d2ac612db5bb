import type { ChatDialect } from '../../../core/domain/chat-dialect.js';
import { reasoningFields } from './reasoning.js';
import { arrangeSystemMessages } from './system-messages.js';
import { placeholderText, searchResultText, sourceText, toolReferenceText } from './text-blocks.js';
import type {
  AnthropicContentBlock,
  AnthropicImageBlock,
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
   * What the candidate backends' chat APIs take beyond OpenAI's core (`top_k`, reasoning effort,
   * the reasoning field): `commonChatDialect` of their endpoint types. Default: nothing extra.
   */
  dialect?: ChatDialect;
  /**
   * When streaming, ask for a final usage chunk (`stream_options.include_usage`) so the
   * Anthropic `message_delta` carries real token counts. Default true.
   */
  streamUsage?: boolean;
  /** Told about each block a chat backend cannot take and that was left out (for a debug log). */
  onDroppedBlock?: (type: string) => void;
}

/** Where translated requests go on the backend (the proxy joins it to the endpoint URL). */
export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

interface Context {
  dialect: ChatDialect;
  dropped: (type: string) => void;
}

/** A text part for the blocks that become text, or undefined for those that do not. */
function textOf(block: AnthropicContentBlock): string | undefined {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'document':
      return sourceText(block);
    case 'search_result':
      return searchResultText(block);
    case 'tool_reference':
      return toolReferenceText(block);
    default:
      return undefined;
  }
}

/** An image part, or, for a Files API image no backend can fetch, a placeholder saying so. */
function imagePart(block: AnthropicImageBlock): OpenAIContentPart {
  const source = block.source;
  if (source.type === 'base64') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source.type === 'url') return { type: 'image_url', image_url: { url: source.url } };
  return { type: 'text', text: placeholderText('image', source) };
}

/** Text, image and text-like blocks as content parts; anything else is reported and left out. */
function contentPart(block: AnthropicContentBlock, ctx: Context): OpenAIContentPart | undefined {
  if (block.type === 'image') return imagePart(block);
  const text = textOf(block);
  if (text === undefined) {
    ctx.dropped(block.type);
    return undefined;
  }
  return text === '' ? undefined : { type: 'text', text };
}

/**
 * OpenAI tool messages carry text only. Text-like blocks are joined; images are handed back so they
 * can ride in the user message that follows; anything else a lax client sent is kept as JSON text,
 * as the original does, so no result silently disappears.
 */
function toolResultText(content: unknown, images: OpenAIContentPart[], ctx: Context): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return JSON.stringify(content);
  const texts: string[] = [];
  for (const block of content as AnthropicContentBlock[]) {
    const part = contentPart(block, ctx);
    if (part?.type === 'text') texts.push(part.text);
    else if (part) images.push(part);
  }
  return texts.join('\n');
}

function toolResultMessage(block: AnthropicToolResultBlock, images: OpenAIContentPart[], ctx: Context): OpenAIMessage {
  let content = toolResultText(block.content, images, ctx);
  // Tool messages have no error flag, so the signal travels in the text; a result that already
  // reads as an error is left alone to avoid "Error: Error: …" on re-translation.
  if (block.is_error === true && !content.toLowerCase().startsWith('error')) content = `Error: ${content}`;
  return { role: 'tool', tool_call_id: block.tool_use_id, content };
}

function userMessages(blocks: AnthropicContentBlock[], out: OpenAIMessage[], ctx: Context): void {
  const parts: OpenAIContentPart[] = [];
  for (const block of blocks) {
    if (block.type === 'tool_result') out.push(toolResultMessage(block, parts, ctx));
    else {
      const part = contentPart(block, ctx);
      if (part) parts.push(part);
    }
  }
  if (parts.length === 0) return;
  // Tool messages go first: backends require them straight after the assistant's tool_calls.
  // Text alone stays a plain string, joined as the original joins it; only images need the parts form.
  const hasImage = parts.some((p) => p.type === 'image_url');
  const content = hasImage ? parts : parts.map((p) => (p as { text: string }).text).join('');
  out.push({ role: 'user', content });
}

function assistantMessage(blocks: AnthropicContentBlock[], out: OpenAIMessage[], ctx: Context): void {
  let text = '';
  let reasoning = '';
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'text':
        text += block.text;
        break;
      case 'thinking':
        reasoning += block.thinking;
        break;
      case 'tool_use':
        toolCalls.push({
          id: block.id,
          type: 'function',
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
      default:
        ctx.dropped(block.type);
    }
  }
  // An assistant turn of only thinking (or nothing) would be an empty message, which several
  // backends reject; the original skips it.
  if (text === '' && toolCalls.length === 0) return;
  const message: Extract<OpenAIMessage, { role: 'assistant' }> = { role: 'assistant', content: text };
  if (toolCalls.length > 0) {
    message.content = text === '' ? null : text;
    message.tool_calls = toolCalls;
  }
  // Reasoning goes back only where the backend type is known to read it; elsewhere it is dropped.
  const field = ctx.dialect.reasoningField;
  if (reasoning !== '' && field) message[field] = reasoning;
  out.push(message);
}

function convertMessage(message: AnthropicMessageParam, out: OpenAIMessage[], ctx: Context): void {
  const role = message.role === 'assistant' ? 'assistant' : 'user';
  if (typeof message.content === 'string') {
    if (message.content !== '') out.push({ role, content: message.content });
    return;
  }
  if (role === 'user') userMessages(message.content, out, ctx);
  else assistantMessage(message.content, out, ctx);
}

/** Tool names a `tool_reference` anywhere in the history (tool results included) has loaded. */
function referencedTools(messages: readonly AnthropicMessageParam[]): Set<string> {
  const names = new Set<string>();
  const visit = (blocks: unknown): void => {
    if (!Array.isArray(blocks)) return;
    for (const block of blocks as AnthropicContentBlock[]) {
      if (block.type === 'tool_reference') names.add(block.tool_name);
      else if (block.type === 'tool_result') visit(block.content);
    }
  };
  for (const message of messages) visit(message.content);
  return names;
}

/**
 * Client tools become functions. Server tools (no `input_schema`: web search and the like) run on
 * Anthropic's side, so no backend can call them; deferred tools stay out until the history loads them.
 */
function convertTools(tools: readonly AnthropicTool[], messages: readonly AnthropicMessageParam[]): OpenAITool[] {
  let referenced: Set<string> | undefined;
  const out: OpenAITool[] = [];
  for (const tool of tools) {
    if (tool.input_schema === undefined) continue;
    if (tool.defer_loading === true) {
      referenced ??= referencedTools(messages);
      if (!referenced.has(tool.name)) continue;
    }
    out.push({
      type: 'function',
      function: { name: tool.name, description: tool.description ?? '', parameters: tool.input_schema },
    });
  }
  return out;
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
  const ctx: Context = { dialect: opts.dialect ?? { topK: false }, dropped: opts.onDroppedBlock ?? (() => {}) };
  const arranged = arrangeSystemMessages(req.system, req.messages);
  const messages: OpenAIMessage[] = [];
  if (arranged.system !== '') messages.push({ role: 'system', content: arranged.system });
  for (const message of arranged.messages) convertMessage(message, messages, ctx);

  const stream = req.stream === true;
  // max_tokens 0 asks Anthropic to only read the prompt (cache warming); chat servers refuse 0, so
  // the nearest they take is one token.
  const out: OpenAIChatRequest = { model: req.model, messages, max_tokens: Math.max(1, req.max_tokens), stream };
  if (stream && opts.streamUsage !== false) out.stream_options = { include_usage: true };
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.top_k !== undefined && ctx.dialect.topK) out.top_k = req.top_k;
  if (req.stop_sequences !== undefined && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  const tools = req.tools === undefined ? [] : convertTools(req.tools, req.messages);
  if (tools.length > 0) {
    out.tools = tools;
    // As in the original, a tool_choice without tools means nothing to a backend and is dropped.
    // A choice naming a tool left out (a server tool such as web_search) would make the backend
    // refuse the request; the model chooses among what it has instead.
    const choice = req.tool_choice;
    const named = choice?.type !== 'tool' || tools.some((t) => t.function.name === choice.name);
    if (choice !== undefined && named) {
      out.tool_choice = convertToolChoice(choice);
      if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true) {
        out.parallel_tool_calls = false;
      }
    }
  }
  const user = req.metadata?.user_id;
  if (typeof user === 'string' && user !== '') out.user = user;
  Object.assign(out, reasoningFields(req, ctx.dialect));
  return out;
}
