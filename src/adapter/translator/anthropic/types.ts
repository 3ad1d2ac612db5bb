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

// ---- OpenAI chat completions (shared by every translator) ----

export type {
  OpenAIChatCompletion,
  OpenAIChatRequest,
  OpenAIChunk,
  OpenAIContentPart,
  OpenAIMessage,
  OpenAIResponseToolCall,
  OpenAITool,
  OpenAIToolCall,
  OpenAIToolChoice,
  OpenAIUsage,
} from '../openai-chat.js';
