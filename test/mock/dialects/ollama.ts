/** Ollama's native chat, generate and embedding answers (NDJSON when streaming). */
import { ndjsonLine, type StreamFrame } from '../framing.js';
import type { ReplyPlan } from '../reply.js';

/** Fixed so answers are reproducible; real Ollama stamps the current time. */
const CREATED_AT = '2025-01-01T00:00:00.000000000Z';
const NANOS_PER_MS = 1_000_000;

/** The counters Ollama puts on its final (`done: true`) object, derived from the plan so they never vary. */
function finalCounters(plan: ReplyPlan) {
  const loadDuration = NANOS_PER_MS;
  const promptEvalDuration = plan.promptTokens * NANOS_PER_MS;
  const evalDuration = plan.completionTokens * 10 * NANOS_PER_MS;
  return {
    done_reason: 'stop',
    done: true,
    total_duration: loadDuration + promptEvalDuration + evalDuration,
    load_duration: loadDuration,
    prompt_eval_count: plan.promptTokens,
    prompt_eval_duration: promptEvalDuration,
    eval_count: plan.completionTokens,
    eval_duration: evalDuration,
  };
}

export function chat(plan: ReplyPlan): unknown {
  return {
    model: plan.model,
    created_at: CREATED_AT,
    message: { role: 'assistant', content: plan.text },
    ...finalCounters(plan),
  };
}

export function chatFrames(plan: ReplyPlan): StreamFrame[] {
  const frames = plan.tokens.map((token) =>
    ndjsonLine(
      { model: plan.model, created_at: CREATED_AT, message: { role: 'assistant', content: token }, done: false },
      plan.tokenDelayMs,
    ),
  );
  frames.push(
    ndjsonLine({
      model: plan.model,
      created_at: CREATED_AT,
      message: { role: 'assistant', content: '' },
      ...finalCounters(plan),
    }),
  );
  return frames;
}

export function generate(plan: ReplyPlan): unknown {
  return { model: plan.model, created_at: CREATED_AT, response: plan.text, ...finalCounters(plan) };
}

export function generateFrames(plan: ReplyPlan): StreamFrame[] {
  const frames = plan.tokens.map((token) =>
    ndjsonLine({ model: plan.model, created_at: CREATED_AT, response: token, done: false }, plan.tokenDelayMs),
  );
  frames.push(ndjsonLine({ model: plan.model, created_at: CREATED_AT, response: '', ...finalCounters(plan) }));
  return frames;
}

/** `POST /api/embed`. */
export function embed(model: string, vectors: number[][], promptTokens: number): unknown {
  return {
    model,
    embeddings: vectors,
    total_duration: 2 * NANOS_PER_MS,
    load_duration: NANOS_PER_MS,
    prompt_eval_count: promptTokens,
  };
}

/** `POST /api/embeddings` (the older, single-prompt form). */
export function legacyEmbedding(vector: number[]): unknown {
  return { embedding: vector };
}

export function errorBody(message: string): unknown {
  return { error: message };
}
