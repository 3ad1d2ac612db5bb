/**
 * Wire shapes of the two dialects the translator speaks: Anthropic's Messages API (what clients
 * such as Claude Code send and expect back) and OpenAI's Chat Completions API (what every
 * backend understands). Only the fields the translator reads or writes are modelled.
 */

// ---- Anthropic request ----

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
}

/** Where an image or document comes from; `file` refers to Anthropic's Files API. */
export type AnthropicMediaSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'file'; file_id: string }
  | { type: 'text'; media_type?: string; data: string }
  | { type: 'content'; content: string | AnthropicContentBlock[] };

export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicMediaSource;
}

export interface AnthropicDocumentBlock {
  type: 'document';
  source: AnthropicMediaSource;
  title?: string;
  context?: string;
}

export interface AnthropicSearchResultBlock {
  type: 'search_result';
  source: string;
  title: string;
  content: AnthropicTextBlock[];
}

/** Names a deferred tool (tool search) so the model may call it. */
export interface AnthropicToolReferenceBlock {
  type: 'tool_reference';
  tool_name: string;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  /** A string, content blocks (text, image, document, search_result, tool_reference), or, from lax clients, any JSON value. */
  content?: unknown;
  is_error?: boolean;
}

export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}

/**
 * Every other block: redacted thinking, server-tool calls and results, compaction, and block
 * types newer than this code. The API accepts them, so the validator does too (its `type` may be
 * any string at run time); the translator drops them with a debug log.
 */
export interface AnthropicUntranslatedBlock {
  type: 'redacted_thinking' | 'server_tool_use' | 'compaction' | 'container_upload';
  [field: string]: unknown;
}

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicSearchResultBlock
  | AnthropicToolReferenceBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicUntranslatedBlock;

export interface AnthropicMessageParam {
  /** `system` mid-conversation, as Claude Code 2.1 sends it. */
  role: 'user' | 'assistant' | 'system';
  content: string | AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  /** Absent on server tools (`web_search_20250305` and the like), which no backend can run. */
  input_schema?: Record<string, unknown>;
  /** Tool search: left out of the prompt until a `tool_reference` names it. */
  defer_loading?: boolean;
  type?: string;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** `enabled` with a budget, `adaptive` (the model decides), or `disabled`. */
export interface AnthropicThinkingConfig {
  type: string;
  budget_tokens?: number;
  display?: string;
}

export interface AnthropicRequest {
  model: string;
  messages: AnthropicMessageParam[];
  /** 0 is allowed (the API uses it to warm the prompt cache). */
  max_tokens: number;
  system?: string | AnthropicContentBlock[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  stream?: boolean;
  tools?: AnthropicTool[];
  /** Normalised: the bare-string form some clients send becomes `{ type }`. */
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string; [field: string]: unknown };
  thinking?: AnthropicThinkingConfig;
  output_config?: { effort?: string; [field: string]: unknown };
}

// ---- Anthropic response ----

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

/**
 * Thinking carries `signature` as Anthropic's does; a local model has nothing to sign, so it is
 * empty (clients and the SDK accept that, and send it back unchecked to a non-Anthropic server).
 */
export type AnthropicResponseBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicUsage {
  /** Prompt tokens not read from the backend's prefix cache. */
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  /** Reasoning tokens, when the backend counts them. */
  output_tokens_details?: { thinking_tokens: number };
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** Usage as streaming events carry it: cache counters always present (creation is always zero here). */
export interface AnthropicStreamUsage extends AnthropicUsage {
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export type AnthropicStreamEvent =
  | {
      type: 'message_start';
      message: {
        id: string;
        type: 'message';
        role: 'assistant';
        model: string;
        content: [];
        stop_reason: null;
        stop_sequence: null;
        usage: AnthropicStreamUsage;
      };
    }
  | {
      type: 'content_block_start';
      index: number;
      content_block:
        | { type: 'text'; text: '' }
        | { type: 'thinking'; thinking: ''; signature: '' }
        | { type: 'tool_use'; id: string; name: string; input: Record<string, never> };
    }
  | { type: 'ping' }
  | {
      type: 'content_block_delta';
      index: number;
      delta:
        | { type: 'text_delta'; text: string }
        | { type: 'thinking_delta'; thinking: string }
        | { type: 'input_json_delta'; partial_json: string };
    }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: AnthropicStopReason; stop_sequence: string | null };
      usage: AnthropicStreamUsage;
    }
  | { type: 'message_stop' }
  | { type: 'error'; error: { type: string; message: string } };

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
