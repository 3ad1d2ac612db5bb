/** Anthropic Messages answers, with the exact event sequence of the streaming API. */
import { type StreamFrame, sseEvent } from '../framing.js';
import type { ReplyPlan } from '../reply.js';

export function message(plan: ReplyPlan): unknown {
  return {
    id: `msg_${plan.id}`,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content: [{ type: 'text', text: plan.text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: plan.promptTokens, output_tokens: plan.completionTokens },
  };
}

/** message_start, content_block_start, ping, one content_block_delta per token, then the closing three. */
export function messageFrames(plan: ReplyPlan): StreamFrame[] {
  const frames: StreamFrame[] = [
    sseEvent('message_start', {
      type: 'message_start',
      message: {
        id: `msg_${plan.id}`,
        type: 'message',
        role: 'assistant',
        model: plan.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: plan.promptTokens, output_tokens: 1 },
      },
    }),
    sseEvent('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
    sseEvent('ping', { type: 'ping' }),
  ];
  for (const token of plan.tokens) {
    frames.push(
      sseEvent(
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: token } },
        plan.tokenDelayMs,
      ),
    );
  }
  frames.push(
    sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: plan.completionTokens },
    }),
    sseEvent('message_stop', { type: 'message_stop' }),
  );
  return frames;
}

export function countTokens(inputTokens: number): unknown {
  return { input_tokens: inputTokens };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

export function errorBody(status: number, message: string): unknown {
  return { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } };
}
