/** How streamed bodies are cut into frames on the wire. */

/** One piece of a streamed body, written and flushed on its own after `delayMs`. */
export interface StreamFrame {
  text: string;
  delayMs: number;
}

export const SSE_CONTENT_TYPE = 'text/event-stream';
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** OpenAI style: a bare `data:` line (strings are sent as they are, objects as JSON). */
export function sseData(data: unknown, delayMs = 0): StreamFrame {
  return { text: `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, delayMs };
}

/** Anthropic style: a named event. */
export function sseEvent(event: string, data: unknown, delayMs = 0): StreamFrame {
  return { text: `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`, delayMs };
}

export function sseDone(): StreamFrame {
  return { text: 'data: [DONE]\n\n', delayMs: 0 };
}

/** Ollama style: one JSON object per line. */
export function ndjsonLine(data: unknown, delayMs = 0): StreamFrame {
  return { text: `${JSON.stringify(data)}\n`, delayMs };
}
