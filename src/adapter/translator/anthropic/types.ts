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

export type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicImageSource;
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
  /** A string, content blocks (text and image), or, from lax clients, any JSON value. */
  content?: unknown;
  is_error?: boolean;
}

export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}

/** A block type Anthropic defines that has no OpenAI counterpart; accepted and dropped. */
export interface AnthropicUntranslatedBlock {
  type: (typeof UNTRANSLATED_BLOCK_TYPES)[number];
  [field: string]: unknown;
}

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicUntranslatedBlock;

/**
 * Block types Anthropic's API accepts that a chat-completions backend cannot use: document
 * inputs, redacted reasoning, server-side tools. Clients replay them in history, so they are
 * accepted (as Anthropic would) rather than rejected, and left out of the translation.
 */
export const UNTRANSLATED_BLOCK_TYPES = [
  'document',
  'redacted_thinking',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'search_result',
  'container_upload',
] as const;

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema?: Record<string, unknown>;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicRequest {
  model: string;
  messages: AnthropicMessageParam[];
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
  /** Extended thinking settings: accepted and ignored, as the original does. */
  thinking?: unknown;
}

// ---- Anthropic response ----

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

export type AnthropicResponseBlock =
  | { type: 'thinking'; thinking: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
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

/** Usage as streaming events carry it: the cache counters are always zero here. */
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
        | { type: 'thinking'; thinking: '' }
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
