/**
 * The OpenAI Responses API (`POST /v1/responses`) as the translator reads and writes it. Only the
 * fields it uses are modelled; anything else a client sends is ignored.
 */

export type ResponsesContentPart =
  | { type: 'input_text' | 'output_text' | 'refusal' | 'summary_text'; text?: string; refusal?: string }
  | { type: 'input_image'; image_url?: string; file_id?: string; detail?: string }
  | { type: string; [field: string]: unknown };

export type ResponsesInputItem =
  | { type?: 'message'; role: 'user' | 'assistant' | 'system' | 'developer'; content: string | ResponsesContentPart[] }
  | { type: 'function_call'; call_id: string; name: string; arguments: string; id?: string }
  | { type: 'function_call_output'; call_id: string; output: string | ResponsesContentPart[] }
  | { type: 'reasoning'; summary?: { text: string }[] }
  | { type: string; [field: string]: unknown };

export interface ResponsesTool {
  type: string;
  name?: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

export interface ResponsesRequest {
  model: string;
  input?: string | ResponsesInputItem[];
  instructions?: string;
  stream?: boolean;
  store?: boolean;
  previous_response_id?: string;
  tools?: ResponsesTool[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  max_output_tokens?: number;
  temperature?: number;
  top_p?: number;
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  text?: { format?: { type: string; name?: string; schema?: unknown; strict?: boolean; description?: string } };
}

export type ResponsesOutputItem =
  | {
      type: 'message';
      id: string;
      role: 'assistant';
      status: 'in_progress' | 'completed';
      content: { type: 'output_text'; text: string; annotations: [] }[];
    }
  | {
      type: 'function_call';
      id: string;
      call_id: string;
      name: string;
      arguments: string;
      status: 'in_progress' | 'completed';
    }
  | { type: 'reasoning'; id: string; summary: { type: 'summary_text'; text: string }[] };

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: ResponsesOutputItem[];
  output_text?: string;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  store: boolean;
  temperature: number | null;
  top_p: number | null;
  tool_choice: unknown;
  tools: ResponsesTool[];
  truncation: 'disabled';
  usage: ResponsesUsage | null;
  metadata: Record<string, string>;
}

/** A stream event before its `sequence_number` is stamped on. */
export type ResponsesStreamEvent = { type: string; [field: string]: unknown };
