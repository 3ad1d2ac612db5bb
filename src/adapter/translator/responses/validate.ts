import { BadRequestError } from '../../../core/errors.js';
import { fail, given, isObject, type Json, optionalNumber, requireString } from '../json-checks.js';
import type { ResponsesRequest } from './types.js';

/**
 * Checks a Responses API body, naming the first bad field (`input.2.call_id: required`).
 * Lenient like the API: unknown fields are ignored and JSON null counts as absent.
 */

function validateItem(item: unknown, path: string): void {
  if (!isObject(item)) fail(path, 'must be an object');
  const type = given(item.type) ? requireString(item, 'type', `${path}.type`) : 'message';
  switch (type) {
    case 'message': {
      const role = requireString(item, 'role', `${path}.role`);
      if (!['user', 'assistant', 'system', 'developer'].includes(role)) fail(`${path}.role`, `unknown role "${role}"`);
      const content = item.content;
      if (typeof content === 'string') return;
      if (!Array.isArray(content)) fail(`${path}.content`, 'must be a string or an array of content parts');
      content.forEach((part, i) => {
        if (!isObject(part)) fail(`${path}.content.${i}`, 'must be an object');
        requireString(part, 'type', `${path}.content.${i}.type`);
      });
      return;
    }
    case 'function_call':
      requireString(item, 'call_id', `${path}.call_id`);
      requireString(item, 'name', `${path}.name`);
      requireString(item, 'arguments', `${path}.arguments`);
      return;
    case 'function_call_output':
      requireString(item, 'call_id', `${path}.call_id`);
      if (typeof item.output !== 'string' && !Array.isArray(item.output)) fail(`${path}.output`, 'required');
      return;
    default:
      return;
  }
}

export function validateResponsesRequest(value: unknown): ResponsesRequest {
  if (!isObject(value)) throw new BadRequestError('request body must be a JSON object');
  const model = requireString(value, 'model', 'model');
  if (model === '') fail('model', 'required');
  const input = value.input;
  if (!given(input)) {
    if (!given(value.previous_response_id)) fail('input', 'required');
  } else if (Array.isArray(input)) {
    for (const [i, item] of input.entries()) validateItem(item, `input.${i}`);
  } else if (typeof input !== 'string') {
    fail('input', 'must be a string or an array of items');
  }
  for (const key of ['instructions', 'previous_response_id']) {
    if (given(value[key]) && typeof value[key] !== 'string') fail(key, 'must be a string');
  }
  for (const key of ['stream', 'store', 'parallel_tool_calls']) {
    if (given(value[key]) && typeof value[key] !== 'boolean') fail(key, 'must be a boolean');
  }
  optionalNumber(value, 'max_output_tokens', 1, Number.POSITIVE_INFINITY, true);
  optionalNumber(value, 'temperature', 0, 2);
  optionalNumber(value, 'top_p', 0, 1);
  if (given(value.tools)) {
    if (!Array.isArray(value.tools)) fail('tools', 'must be an array');
    value.tools.forEach((tool: unknown, i: number) => {
      if (!isObject(tool)) fail(`tools.${i}`, 'must be an object');
      const type = requireString(tool, 'type', `tools.${i}.type`);
      if (type === 'function') requireString(tool as Json, 'name', `tools.${i}.name`);
    });
  }
  return value as unknown as ResponsesRequest;
}

/** Decodes and validates a body. Throws `BadRequestError` for bad JSON or fields. */
export function parseResponsesRequest(body: Buffer): ResponsesRequest {
  let decoded: unknown;
  try {
    decoded = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`request body: invalid JSON (${(err as Error).message})`);
  }
  return validateResponsesRequest(decoded);
}
