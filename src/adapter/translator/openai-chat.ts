/**
 * OpenAI's Chat Completions API as the translators use it: the request they send every backend
 * and the replies (whole or streamed) backends send back. Only the fields a translator reads or
 * writes are modelled.
 */

// ---- OpenAI request ----

export type OpenAIContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OpenAIMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: OpenAIToolCall[];
      /** Earlier reasoning, in the field the backend type reads (see `ChatDialect`). */
      reasoning?: string;
      reasoning_content?: string;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OpenAITool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export type OpenAIToolChoice = 'auto' | 'required' | 'none' | { type: 'function'; function: { name: string } };

export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIMessage[];
  max_tokens: number;
  stream: boolean;
  stream_options?: { include_usage: boolean };
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop?: string[];
  tools?: OpenAITool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  user?: string;
  reasoning_effort?: string;
  chat_template_kwargs?: Record<string, unknown>;
}

// ---- OpenAI response (as backends send it: every field may be missing) ----

export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export interface OpenAIResponseToolCall {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface OpenAIChatCompletion {
  id?: string;
  model?: string;
  choices?: Array<{
    index?: number;
    message?: {
      role?: string;
      content?: string | null;
      reasoning?: string;
      reasoning_content?: string;
      tool_calls?: OpenAIResponseToolCall[];
      function_call?: { name?: string; arguments?: string };
    };
    finish_reason?: string | null;
    /** vLLM and SGLang: the stop string (or token id) that ended generation. */
    stop_reason?: string | number | null;
  }>;
  usage?: OpenAIUsage;
}

export interface OpenAIChunk {
  model?: string;
  choices?: Array<{
    index?: number;
    delta?: {
      role?: string;
      content?: string | null;
      reasoning?: string | null;
      reasoning_content?: string | null;
      tool_calls?: OpenAIResponseToolCall[];
    };
    finish_reason?: string | null;
    stop_reason?: string | number | null;
  }>;
  usage?: OpenAIUsage | null;
  /** Some backends (vLLM, Ollama, LiteLLM) report a failure mid-stream as a data line. */
  error?: unknown;
}
