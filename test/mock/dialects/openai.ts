/** OpenAI chat/text completions and embeddings, as OpenAI-compatible servers send them. */
import { type StreamFrame, sseData, sseDone } from '../framing.js';
import { MOCK_EPOCH_SECONDS } from '../models.js';
import type { ReplyPlan } from '../reply.js';

function usage(plan: ReplyPlan) {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
  };
}

export function chatCompletion(plan: ReplyPlan): unknown {
  return {
    id: `chatcmpl-${plan.id}`,
    object: 'chat.completion',
    created: MOCK_EPOCH_SECONDS,
    model: plan.model,
    system_fingerprint: `fp_${plan.backend}`,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: plan.text, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usage(plan),
  };
}

/** One chunk per token, then the finish chunk, the usage chunk when asked for, and `[DONE]`. */
export function chatCompletionFrames(plan: ReplyPlan, includeUsage: boolean): StreamFrame[] {
  const frames: StreamFrame[] = [];
  const chunk = (delta: object, finishReason: string | null) => ({
    id: `chatcmpl-${plan.id}`,
    object: 'chat.completion.chunk',
    created: MOCK_EPOCH_SECONDS,
    model: plan.model,
    system_fingerprint: `fp_${plan.backend}`,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  plan.tokens.forEach((token, i) => {
    const delta = i === 0 ? { role: 'assistant', content: token } : { content: token };
    frames.push(sseData(chunk(delta, null), plan.tokenDelayMs));
  });
  frames.push(sseData(chunk({}, 'stop')));
  if (includeUsage) frames.push(sseData({ ...chunk({}, null), choices: [], usage: usage(plan) }));
  frames.push(sseDone());
  return frames;
}

export function textCompletion(plan: ReplyPlan): unknown {
  return {
    id: `cmpl-${plan.id}`,
    object: 'text_completion',
    created: MOCK_EPOCH_SECONDS,
    model: plan.model,
    choices: [{ text: plan.text, index: 0, logprobs: null, finish_reason: 'stop' }],
    usage: usage(plan),
  };
}

export function textCompletionFrames(plan: ReplyPlan, includeUsage: boolean): StreamFrame[] {
  const chunk = (text: string, finishReason: string | null) => ({
    id: `cmpl-${plan.id}`,
    object: 'text_completion',
    created: MOCK_EPOCH_SECONDS,
    model: plan.model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }],
  });
  const frames = plan.tokens.map((token) => sseData(chunk(token, null), plan.tokenDelayMs));
  frames.push(sseData(chunk('', 'stop')));
  if (includeUsage) frames.push(sseData({ ...chunk('', null), choices: [], usage: usage(plan) }));
  frames.push(sseDone());
  return frames;
}

/** With `base64`, each vector is its little-endian float32 bytes, base64-encoded (what the openai SDK asks for). */
export function embeddings(model: string, vectors: number[][], promptTokens: number, base64: boolean): unknown {
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'invalid_request_error',
  429: 'rate_limit_exceeded',
};

export function errorBody(status: number, message: string): unknown {
  return {
    error: {
      message,
      type: ERROR_TYPES[status] ?? 'server_error',
      param: null,
      code: status === 404 ? 'model_not_found' : null,
    },
  };
}
