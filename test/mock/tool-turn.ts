/**
 * Scripting for agent round trips on the chat-completions routes: the model calls a tool first,
 * then, once the request carries that tool's output, answers in text. Any client that runs tools
 * (an SDK loop, Codex CLI, Claude Code through a translator) can be driven through a full turn.
 */
import type { MockScript, MockScriptedResponse } from './types.js';

export interface ToolTurnOptions {
  /** The tool the model calls (it must be one the client offered). */
  name: string;
  /** The call's arguments (JSON-encoded into the tool call). */
  arguments: Record<string, unknown>;
  /** The call id the model gives it. Default `call_mock_1`. */
  callId?: string;
  /** The text answer after the tool output; by default the mock's usual reply. */
  answer?: string;
}

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}

function hasToolOutput(body: unknown): boolean {
  const messages = field(body, 'messages');
  return Array.isArray(messages) && messages.some((m) => field(m, 'role') === 'tool');
}

function chunk(model: string, delta: object, finishReason: string | null): object {
  return {
    id: 'chatcmpl-tool',
    object: 'chat.completion.chunk',
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** Only chat-completions requests are taken over; everything else is the mock's own answer. */
export function toolCallThenText(opts: ToolTurnOptions): MockScript {
  const callId = opts.callId ?? 'call_mock_1';
  const args = JSON.stringify(opts.arguments);
  const call = { index: 0, id: callId, type: 'function', function: { name: opts.name, arguments: args } };
  return (request): MockScriptedResponse | undefined => {
    if (!request.path.endsWith('/chat/completions')) return undefined;
    if (hasToolOutput(request.body)) {
      if (opts.answer === undefined) return undefined;
      const message = { role: 'assistant', content: opts.answer };
      if (!request.stream) {
        return {
          kind: 'json',
          body: {
            id: 'chatcmpl-answer',
            object: 'chat.completion',
            model: request.model,
            choices: [{ index: 0, message, finish_reason: 'stop' }],
          },
        };
      }
      return {
        kind: 'sse',
        frames: [{ data: chunk(request.model, message, null) }, { data: chunk(request.model, {}, 'stop') }],
      };
    }
    if (!request.stream) {
      const message = {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: callId, type: 'function', function: call.function }],
      };
      return {
        kind: 'json',
        body: {
          id: 'chatcmpl-tool',
          object: 'chat.completion',
          model: request.model,
          choices: [{ index: 0, message, finish_reason: 'tool_calls' }],
          usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
        },
      };
    }
    // The arguments arrive in two fragments, as real servers stream them.
    const cut = Math.floor(args.length / 2);
    return {
      kind: 'sse',
      frames: [
        {
          data: chunk(
            request.model,
            {
              role: 'assistant',
              tool_calls: [{ ...call, function: { name: opts.name, arguments: args.slice(0, cut) } }],
            },
            null,
          ),
        },
        { data: chunk(request.model, { tool_calls: [{ index: 0, function: { arguments: args.slice(cut) } }] }, null) },
        { data: chunk(request.model, {}, 'tool_calls') },
      ],
    };
  };
}
