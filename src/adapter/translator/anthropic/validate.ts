import { BadRequestError } from '../../../core/errors.js';
import { fail, given, isObject, type Json, optionalNumber, requireString } from '../json-checks.js';
import type { AnthropicContentBlock, AnthropicRequest, AnthropicToolChoice } from './types.js';

/**
 * Checks an incoming Messages API body and narrows it to `AnthropicRequest`, naming the first bad
 * field the way Anthropic does (`messages.2.content.0.text: must be a string`).
 *
 * The API grows every few weeks (new top-level options, new block types, a `system` role in the
 * middle of the conversation), and clients use what is new at once. So only what the API itself
 * would refuse is refused: a body that is not an object, no model, no messages array, a known
 * field of the wrong type. Unknown top-level fields and unknown block types pass, JSON `null`
 * counts as absent, and the translator decides what a chat backend can use.
 */

const ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system']);

/** The fields each source type needs; source types newer than these pass untouched. */
const SOURCE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  base64: ['media_type', 'data'],
  url: ['url'],
  file: ['file_id'],
  text: ['data'],
};

function validateSource(source: unknown, path: string): void {
  if (!isObject(source)) fail(path, 'required');
  const type = requireString(source, 'type', `${path}.type`);
  for (const key of SOURCE_FIELDS[type] ?? []) requireString(source, key, `${path}.${key}`);
  if (type === 'content' && Array.isArray(source.content)) validateBlocks(source.content, `${path}.content`);
}

function validateBlock(block: unknown, path: string): AnthropicContentBlock {
  if (!isObject(block)) fail(path, 'must be an object');
  const type = requireString(block, 'type', `${path}.type`);
  switch (type) {
    case 'text':
      requireString(block, 'text', `${path}.text`);
      break;
    case 'thinking':
      requireString(block, 'thinking', `${path}.thinking`);
      break;
    case 'image':
    case 'document':
      validateSource(block.source, `${path}.source`);
      break;
    case 'tool_reference':
      requireString(block, 'tool_name', `${path}.tool_name`);
      break;
    case 'search_result':
      requireString(block, 'source', `${path}.source`);
      if (Array.isArray(block.content)) validateBlocks(block.content, `${path}.content`);
      break;
    case 'tool_use':
      requireString(block, 'id', `${path}.id`);
      requireString(block, 'name', `${path}.name`);
      if (!given(block.input)) block.input = {};
      break;
    case 'tool_result':
      requireString(block, 'tool_use_id', `${path}.tool_use_id`);
      if (given(block.is_error) && typeof block.is_error !== 'boolean') fail(`${path}.is_error`, 'must be a boolean');
      if (Array.isArray(block.content)) validateBlocks(block.content, `${path}.content`);
      break;
  }
  return block as unknown as AnthropicContentBlock;
}

function validateBlocks(blocks: unknown[], path: string): AnthropicContentBlock[] {
  for (let i = 0; i < blocks.length; i++) validateBlock(blocks[i], `${path}.${i}`);
  return blocks as AnthropicContentBlock[];
}

/** String or blocks; a single block object (which the original also takes) becomes a list of one. */
function validateContent(content: unknown, path: string): string | AnthropicContentBlock[] {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return validateBlocks(content, path);
  if (isObject(content)) return [validateBlock(content, `${path}.0`)];
  if (!given(content)) fail(path, 'required');
  return fail(path, 'must be a string or an array of content blocks');
}

function validateMessages(obj: Json): void {
  const messages = obj.messages;
  if (!given(messages)) fail('messages', 'required');
  if (!Array.isArray(messages)) fail('messages', 'must be an array');
  if (messages.length === 0) fail('messages', 'at least one message is required');
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const path = `messages.${i}`;
    if (!isObject(message)) fail(path, 'must be an object');
    if (typeof message.role !== 'string' || !ROLES.has(message.role)) {
      fail(`${path}.role`, 'must be "user", "assistant" or "system"');
    }
    message.content = validateContent(message.content, `${path}.content`);
  }
}

function validateSystem(obj: Json): void {
  const system = obj.system;
  if (!given(system)) {
    delete obj.system;
    return;
  }
  if (typeof system === 'string') return;
  if (!Array.isArray(system)) fail('system', 'must be a string or an array of text blocks');
  validateBlocks(system, 'system');
}

function validateTools(obj: Json): void {
  const tools = obj.tools;
  if (!given(tools)) {
    delete obj.tools;
    return;
  }
  if (!Array.isArray(tools)) fail('tools', 'must be an array');
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i];
    const path = `tools.${i}`;
    if (!isObject(tool)) fail(path, 'must be an object');
    if (requireString(tool, 'name', `${path}.name`) === '') fail(`${path}.name`, 'required');
    if (given(tool.description) && typeof tool.description !== 'string')
      fail(`${path}.description`, 'must be a string');
    if (given(tool.input_schema) && !isObject(tool.input_schema)) fail(`${path}.input_schema`, 'must be an object');
  }
}

/**
 * Both `"any"` and `{"type":"any"}` reach us. Unknown kinds fall back to `auto`, as in the
 * original; only a `tool` choice without the tool's name is unusable.
 */
function normaliseToolChoice(obj: Json): void {
  const choice = obj.tool_choice;
  if (!given(choice)) {
    delete obj.tool_choice;
    return;
  }
  const source: Json =
    typeof choice === 'string'
      ? { type: choice }
      : isObject(choice)
        ? choice
        : fail('tool_choice', 'must be an object');
  const serial = source.disable_parallel_tool_use === true ? { disable_parallel_tool_use: true } : {};
  let normalised: AnthropicToolChoice;
  switch (source.type) {
    case 'any':
    case 'auto':
      normalised = { type: source.type, ...serial };
      break;
    case 'none':
      normalised = { type: 'none' };
      break;
    case 'tool':
      normalised = { type: 'tool', name: requireString(source, 'name', 'tool_choice.name'), ...serial };
      break;
    default:
      normalised = { type: 'auto' };
  }
  obj.tool_choice = normalised;
}

function validateStopSequences(obj: Json): void {
  const stops = obj.stop_sequences;
  if (!given(stops)) {
    delete obj.stop_sequences;
    return;
  }
  if (!Array.isArray(stops)) fail('stop_sequences', 'must be an array of strings');
  for (let i = 0; i < stops.length; i++) {
    if (typeof stops[i] !== 'string') fail(`stop_sequences.${i}`, 'must be a string');
  }
}

function optionalObject(obj: Json, key: string): void {
  if (!given(obj[key])) delete obj[key];
  else if (!isObject(obj[key])) fail(key, 'must be an object');
}

/** Validates a decoded body in place and returns it typed. Throws `BadRequestError`. */
export function validateAnthropicRequest(value: unknown): AnthropicRequest {
  if (!isObject(value)) fail('request body', 'must be a JSON object');
  if (requireString(value, 'model', 'model') === '') fail('model', 'required');
  validateMessages(value);
  const maxTokens = value.max_tokens;
  if (!given(maxTokens)) fail('max_tokens', 'required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 0) {
    fail('max_tokens', 'must be a non-negative integer');
  }
  // The original's ranges: temperature up to 2 (OpenAI's ceiling) so no backend value is lost.
  optionalNumber(value, 'temperature', 0, 2);
  optionalNumber(value, 'top_p', 0, 1);
  optionalNumber(value, 'top_k', 0, Number.POSITIVE_INFINITY, true);
  validateStopSequences(value);
  if (given(value.stream) && typeof value.stream !== 'boolean') fail('stream', 'must be a boolean');
  validateSystem(value);
  validateTools(value);
  normaliseToolChoice(value);
  optionalObject(value, 'metadata');
  optionalObject(value, 'thinking');
  optionalObject(value, 'output_config');
  return value as unknown as AnthropicRequest;
}

/** Decodes a JSON body. Throws `BadRequestError` for bad JSON. */
export function decodeJsonBody(body: Buffer | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`request body: invalid JSON (${(err as Error).message})`);
  }
}

/**
 * The least a body must be to be routed at all: an object with a string `model` and a
 * `messages` array. That is all passthrough checks; the native backend judges the rest.
 */
export interface AnthropicEnvelope {
  model: string;
  messages: unknown[];
  /** Read for routing and stats before anything is validated, so of any type. */
  stream?: unknown;
  tools?: unknown;
  thinking?: unknown;
}

export function checkEnvelope(value: unknown): AnthropicEnvelope {
  if (!isObject(value)) fail('request body', 'must be a JSON object');
  if (requireString(value, 'model', 'model') === '') fail('model', 'required');
  if (!given(value.messages)) fail('messages', 'required');
  if (!Array.isArray(value.messages)) fail('messages', 'must be an array');
  return value as unknown as AnthropicEnvelope;
}

/** Decodes and validates a request body. Throws `BadRequestError` for bad JSON or fields. */
export function parseAnthropicRequest(body: Buffer | string): AnthropicRequest {
  return validateAnthropicRequest(decodeJsonBody(body));
}
