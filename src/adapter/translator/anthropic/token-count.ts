import { BadRequestError } from '../../../core/errors.js';
import { decodeJsonBody } from './validate.js';

/**
 * Token estimates without a tokeniser, as the original makes them: UTF-8 bytes of the prompt
 * divided by four, at least one. The prompt is the system text, every message's text, tool-use
 * names and inputs, tool results, thinking, text documents and search results, and the tool definitions (Claude Code sends 10–20k tokens of
 * schemas, so leaving them out would badly undercount). Images count nothing.
 *
 * Used for `POST /v1/messages/count_tokens` and to seed `input_tokens` in `message_start` before
 * the backend reports real usage at the end of the stream.
 */

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bytes(text: unknown): number {
  return typeof text === 'string' ? Buffer.byteLength(text) : 0;
}

function jsonBytes(value: unknown): number {
  return isObject(value) ? Buffer.byteLength(JSON.stringify(value)) : 0;
}

function blockBytes(block: unknown): number {
  if (!isObject(block)) return 0;
  switch (block.type) {
    case 'text':
      return bytes(block.text);
    case 'tool_use':
      return bytes(block.name) + jsonBytes(block.input);
    case 'tool_result':
    case 'search_result':
      return contentBytes(block.content);
    case 'thinking':
      return bytes(block.thinking);
    case 'document': {
      // Text documents are prompt text; PDFs and files reach a chat backend as a short placeholder.
      const source = isObject(block.source) ? block.source : {};
      if (source.type === 'text') return bytes(source.data);
      return source.type === 'content' ? contentBytes(source.content) : 0;
    }
    default:
      return 0;
  }
}

function contentBytes(content: unknown): number {
  if (typeof content === 'string') return bytes(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const block of content) total += blockBytes(block);
  return total;
}

function toolBytes(tool: unknown): number {
  if (!isObject(tool)) return 0;
  return bytes(tool.name) + bytes(tool.description) + jsonBytes(tool.input_schema);
}

/** Estimated prompt tokens of a decoded Messages request; tolerant of any shape. */
export function estimateInputTokens(request: unknown): number {
  if (!isObject(request)) return 1;
  let total = contentBytes(request.system);
  if (Array.isArray(request.messages)) {
    for (const message of request.messages) if (isObject(message)) total += contentBytes(message.content);
  }
  if (Array.isArray(request.tools)) for (const tool of request.tools) total += toolBytes(tool);
  return Math.max(1, Math.floor(total / 4));
}

/**
 * The count_tokens answer. Anthropic's endpoint returns `{"input_tokens": N}` and nothing else.
 * Like the original this only needs a JSON object: it does not insist on `max_tokens` and the
 * rest, since clients count before they have settled them.
 */
export function countTokens(body: Buffer | string): { input_tokens: number } {
  const decoded = decodeJsonBody(body);
  if (!isObject(decoded)) throw new BadRequestError('request body: must be a JSON object');
  return { input_tokens: estimateInputTokens(decoded) };
}
