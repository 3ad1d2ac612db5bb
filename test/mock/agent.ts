/**
 * A scripted agent model: on its first turn it calls a tool, and once the conversation carries the
 * tool's result it answers in text. It speaks both dialects a coding agent reaches a backend in
 * (OpenAI chat completions after translation, the Anthropic Messages API on passthrough), streamed
 * or whole, and can stream reasoning first in the field a backend type uses for it.
 */
import type { MockScript, MockScriptedFrame, MockScriptedResponse, MockScriptRequest } from './types.js';

export interface AgentToolCall {
  name: string;
  input: Record<string, unknown>;
  /** Default `call_mock_1`. */
  id?: string;
}

export interface AgentScriptOptions {
  /** The call made while no tool result is in the conversation. */
  tool: AgentToolCall;
  /** The answer once a tool result is. */
  finalText: string;
  /** Reasoning streamed before each turn, in the backend type's field (OpenAI dialect only). */
  reasoning?: { text: string; field: 'reasoning' | 'reasoning_content' };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether the request's conversation already holds a tool result, in either dialect. */
export function hasToolResult(body: unknown): boolean {
  if (!isObject(body) || !Array.isArray(body.messages)) return false;
  return body.messages.some(
    (message) =>
      isObject(message) &&
      (message.role === 'tool' ||
        (Array.isArray(message.content) &&
          message.content.some((block) => isObject(block) && block.type === 'tool_result'))),
  );
}

function openAiTurn(req: MockScriptRequest, opts: AgentScriptOptions, callTool: boolean): MockScriptedResponse {
  const id = `chatcmpl-agent-${req.index}`;
  const chunk = (delta: Json, finishReason: string | null) => ({
    id,
    object: 'chat.completion.chunk',
    model: req.model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const call = {
    index: 0,
    id: opts.tool.id ?? 'call_mock_1',
    type: 'function',
    function: { name: opts.tool.name, arguments: JSON.stringify(opts.tool.input) },
  };
  const finish = callTool ? 'tool_calls' : 'stop';
  if (!req.stream) {
    const message: Json = { role: 'assistant', content: callTool ? null : opts.finalText };
    if (callTool) message.tool_calls = [call];
    if (opts.reasoning) message[opts.reasoning.field] = opts.reasoning.text;
    return {
      kind: 'json',
      body: {
        id,
        object: 'chat.completion',
        model: req.model,
        choices: [{ index: 0, message, finish_reason: finish }],
        usage: { prompt_tokens: 40, completion_tokens: 8, total_tokens: 48 },
      },
    };
  }
  const frames: MockScriptedFrame[] = [{ data: chunk({ role: 'assistant', content: '' }, null) }];
  if (opts.reasoning) frames.push({ data: chunk({ [opts.reasoning.field]: opts.reasoning.text }, null) });
  frames.push({ data: chunk(callTool ? { tool_calls: [call] } : { content: opts.finalText }, null) });
  frames.push({ data: chunk({}, finish) });
  frames.push({
    data: {
      id,
      object: 'chat.completion.chunk',
      model: req.model,
      choices: [],
      usage: { prompt_tokens: 40, completion_tokens: 8 },
    },
  });
  return { kind: 'sse', frames };
}

function anthropicTurn(req: MockScriptRequest, opts: AgentScriptOptions, callTool: boolean): MockScriptedResponse {
  const id = `msg_agent_${req.index}`;
  const block = callTool
    ? { type: 'tool_use', id: opts.tool.id ?? 'toolu_mock_1', name: opts.tool.name, input: opts.tool.input }
    : { type: 'text', text: opts.finalText };
  const stopReason = callTool ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: 40, output_tokens: 8 };
  if (!req.stream) {
    return {
      kind: 'json',
      body: {
        id,
        type: 'message',
        role: 'assistant',
        model: req.model,
        content: [block],
        stop_reason: stopReason,
        stop_sequence: null,
        usage,
      },
    };
  }
  const event = (type: string, data: Json): MockScriptedFrame => ({ event: type, data: { type, ...data } });
  const start = callTool ? { ...block, input: {} } : { type: 'text', text: '' };
  const delta = callTool
    ? { type: 'input_json_delta', partial_json: JSON.stringify(opts.tool.input) }
    : { type: 'text_delta', text: opts.finalText };
  return {
    kind: 'sse',
    end: 'none',
    frames: [
      event('message_start', {
        message: {
          id,
          type: 'message',
          role: 'assistant',
          model: req.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage,
        },
      }),
      event('content_block_start', { index: 0, content_block: start }),
      event('content_block_delta', { index: 0, delta }),
      event('content_block_stop', { index: 0 }),
      event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 8 } }),
      event('message_stop', {}),
    ],
  };
}

/**
 * The script: `/v1/messages` answers in Anthropic's dialect, every other scriptable route
 * (chat completions) in OpenAI's. Requests the agent does not model fall through to the mock.
 */
export function agentToolScript(opts: AgentScriptOptions): MockScript {
  return (req) => {
    const callTool = !hasToolResult(req.body);
    if (req.path === '/v1/messages') return anthropicTurn(req, opts, callTool);
    if (req.path.endsWith('/chat/completions')) return openAiTurn(req, opts, callTool);
    return undefined;
  };
}
