/**
 * The deterministic reply every chat, completion and message route gives: the same backend, model
 * and token count always produce the same text, so tests can assert whole answers exactly.
 */

/** The text of token `index` (1-based): the first names the backend and the model. */
export function mockTokenText(backend: string, model: string, index: number): string {
  return index === 1 ? `Hello from ${backend} (${model}) token 1` : ` token ${index}`;
}

/** The whole reply: `Hello from <backend> (<model>) token 1 token 2 … token N`. */
export function mockReplyText(backend: string, model: string, tokens: number): string {
  let text = '';
  for (let index = 1; index <= tokens; index++) text += mockTokenText(backend, model, index);
  return text;
}

/** Everything a dialect needs to render one reply, whole or streamed. */
export interface ReplyPlan {
  backend: string;
  model: string;
  /** Unique per request to this backend, e.g. `desk-3`. */
  id: string;
  tokens: string[];
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** Delay before each streamed token. */
  tokenDelayMs: number;
}

export function planReply(
  backend: string,
  model: string,
  id: string,
  tokenCount: number,
  promptTokens: number,
  tokenDelayMs: number,
): ReplyPlan {
  const tokens: string[] = new Array(tokenCount);
  for (let index = 1; index <= tokenCount; index++) tokens[index - 1] = mockTokenText(backend, model, index);
  return {
    backend,
    model,
    id,
    tokens,
    text: tokens.join(''),
    promptTokens,
    completionTokens: tokenCount,
    tokenDelayMs,
  };
}

const PROMPT_FIELDS = ['system', 'messages', 'prompt', 'input', 'tools'] as const;

/**
 * A rough prompt size (characters / 4, at least 1) over the fields that carry prompt text in every
 * dialect. Real tokenisers differ; what matters is that the same request always gives the same count.
 */
export function estimatePromptTokens(body: unknown): number {
  if (body === null || typeof body !== 'object') return 1;
  let characters = 0;
  for (const field of PROMPT_FIELDS) characters += countStringCharacters((body as Record<string, unknown>)[field], 0);
  return Math.max(1, Math.ceil(characters / 4));
}

function countStringCharacters(value: unknown, depth: number): number {
  if (typeof value === 'string') return value.length;
  // Prompts nest a few levels (messages → content parts → text); deeper is not prompt text.
  if (depth > 6 || value === null || typeof value !== 'object') return 0;
  let total = 0;
  for (const item of Array.isArray(value) ? value : Object.values(value))
    total += countStringCharacters(item, depth + 1);
  return total;
}

/**
 * A deterministic vector in [-1, 1] for `text`, so embeddings of the same input always agree. Values
 * are multiples of 1/1024, exact in float32, so the base64 (float32) and float forms carry the same numbers.
 */
export function mockEmbedding(text: string, dimensions: number): number[] {
  const vector: number[] = new Array(dimensions);
  let seed = 2166136261;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619);
  for (let i = 0; i < dimensions; i++) {
    seed = Math.imul(seed ^ (seed >>> 15), 2246822507) ^ i;
    vector[i] = (((seed >>> 0) % 2049) - 1024) / 1024;
  }
  return vector;
}
