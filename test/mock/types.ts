/**
 * Public types of the mock LLM backend used by the end-to-end tests, the stress runs, the
 * benchmarks and the demo. Everything a test may touch is declared here.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';

/** Which kind of backend the mock pretends to be: decides the model-list shape and the health path. */
export type MockFlavour =
  | 'ollama'
  | 'openai'
  | 'vllm'
  | 'lmstudio'
  | 'llamacpp'
  | 'sglang'
  | 'lemonade'
  | 'litellm'
  | 'anthropic';

export const MOCK_FLAVOURS: readonly MockFlavour[] = [
  'ollama',
  'openai',
  'vllm',
  'lmstudio',
  'llamacpp',
  'sglang',
  'lemonade',
  'litellm',
  'anthropic',
];

/** Optional details of a served model; anything left out is derived from the name, deterministically. */
export interface MockModelSpec {
  name: string;
  family?: string;
  /** e.g. `7B`. */
  parameterSize?: string;
  /** e.g. `Q4_K_M`. */
  quantization?: string;
  contextLength?: number;
  sizeBytes?: number;
  /** Hex sha256 without the `sha256:` prefix. */
  digest?: string;
  type?: 'llm' | 'vlm' | 'embeddings';
  state?: 'loaded' | 'not-loaded';
  /** Merged verbatim into this model's entry of every listing (last, so it can override). */
  extra?: Record<string, unknown>;
}

export type MockModelInput = string | MockModelSpec;

/** A model with every detail filled in. */
export type MockModel = Required<Omit<MockModelSpec, 'extra'>> & { extra: Record<string, unknown> | undefined };

/**
 * A fault, as a spec string (the same grammar works in the `x-mock-fault` request header):
 * `status:<code>`, `close`, `hang`, `die-mid-stream`, `slow-headers:<ms>`, `garbage`, `huge:<bytes>`.
 */
export type MockFaultSpec = string;

export type MockFault =
  | { kind: 'status'; status: number }
  | { kind: 'close' }
  | { kind: 'hang' }
  | { kind: 'die-mid-stream' }
  | { kind: 'slow-headers'; delayMs: number }
  | { kind: 'garbage' }
  | { kind: 'huge'; bytes: number };

export interface MockFaultScope {
  /** Only requests to these exact paths (no query) are affected; default every path. */
  paths?: string[];
  /** Affect only the next N matching requests, then clear the fault; default until changed. */
  times?: number;
  /**
   * Intermittent: matching requests take turns through this list, and only those on a `true` hit
   * the fault (`[true, false, true, false, true]` fails three in five, never five in a row).
   */
  pattern?: boolean[];
}

/** What a script sees of a request. */
export interface MockScriptRequest {
  method: string;
  path: string;
  /** Raw query string without `?` ('' when none). */
  query: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
  model: string;
  stream: boolean;
  /** 0-based count of requests this backend has received since the last clear(). */
  index: number;
}

/** One SSE frame of a scripted stream: a JSON (or raw string) `data:` payload, or raw bytes. */
export type MockScriptedFrame = { data: unknown; event?: string; delayMs?: number } | { raw: string; delayMs?: number };

export type MockScriptedResponse =
  | { kind: 'json'; body: unknown; status?: number; headers?: Record<string, string> }
  | {
      kind: 'sse';
      frames: MockScriptedFrame[];
      /** 'done' (default) appends `data: [DONE]`; 'none' just ends; 'close' destroys the socket instead. */
      end?: 'done' | 'none' | 'close';
      status?: number;
      headers?: Record<string, string>;
    }
  | {
      kind: 'ndjson';
      lines: Array<{ data: unknown; delayMs?: number }>;
      status?: number;
      headers?: Record<string, string>;
    };

/** Return a response to take over the request, or undefined to let the mock answer as usual. */
export type MockScript = (request: MockScriptRequest) => MockScriptedResponse | undefined;

export interface MockBackendOptions {
  /** Appears in every answer (`x-mock-backend` header, reply text, error bodies). Default `mock`. */
  name?: string;
  /** Default `openai`. */
  flavour?: MockFlavour;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default `['mock-model']`. */
  models?: MockModelInput[];
  /** Tokens per reply. Default 10. */
  tokens?: number;
  /** Delay before each streamed token. Default 0. */
  tokenDelayMs?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (or `x-api-key` on /v1/messages). */
  authToken?: string;
  /** Answer /v1/messages and count_tokens. Default: on for ollama, vllm, llamacpp, lmstudio, anthropic. */
  anthropic?: boolean;
  /** Answer POST /v1/responses natively (passthrough tests). Default: on for ollama and vllm, as their real servers do. */
  responses?: boolean;
  /** Unknown models get 404 in the route's dialect. Default false (answer any model). */
  strictModels?: boolean;
  /** OpenAI streams carry a usage chunk only when `stream_options.include_usage` asks ('requested', as real
   * backends do) or always. Default 'requested'. */
  streamUsage?: 'requested' | 'always';
  /** Keep each request's body in `requests[i].body`. Default false (stress runs would hoard memory). */
  recordBodies?: boolean;
  /** Most request records kept; older ones are dropped. Default 10 000. */
  recordLimit?: number;
  /** Embedding vector length. Default 8. */
  embeddingDimensions?: number;
  script?: MockScript;
  fault?: MockFaultSpec;
  /**
   * Ollama-like residency: one model in memory at a time; an inference request for another model
   * first waits `coldLoadMs` (a cold load, counted in `coldLoads`). `GET /api/ps` lists the loaded
   * model (ollama flavour). Off by default: every model answers at once.
   */
  residency?: MockResidencyOptions;
}

export interface MockResidencyOptions {
  /** Default 300. */
  coldLoadMs?: number;
  /** The model held at start; default none. */
  loaded?: string;
}

export interface MockRequestRecord {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  bodyLength: number;
  /** Only with `recordBodies`. */
  body: string | undefined;
  /** Date.now() when the request body had arrived. */
  at: number;
}

/** Why a streaming response ended: it finished, the client went away, a fault cut it, or the mock stopped. */
export type MockStreamCloseReason = 'completed' | 'client' | 'fault' | 'stopped';

export interface MockStreamClosed {
  path: string;
  model: string;
  reason: MockStreamCloseReason;
  /** Frames (tokens, events, chunks) fully handed to the socket before the end. */
  framesWritten: number;
  /** performance.now() when the close was observed. */
  at: number;
}

export interface MockBackendEvents {
  request: [MockRequestRecord];
  'stream-closed': [MockStreamClosed];
}

export interface MockBackend {
  readonly name: string;
  readonly flavour: MockFlavour;
  /** The bound port (stays the same across stop()/start()). */
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The path Olla's profile health-checks for this flavour. */
  readonly healthPath: string;
  /** Most recent requests, oldest first (capped by `recordLimit`). */
  readonly requests: readonly MockRequestRecord[];
  /** Every request since the last clear(), including ones dropped from `requests`. */
  readonly requestCount: number;
  readonly activeStreams: number;
  /** Inference requests being answered right now, and the most seen at once since the last clear(). */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** With `residency`: the model in memory, and how many cold loads happened since the last clear(). */
  readonly loadedModel: string | undefined;
  readonly coldLoads: number;
  /** Bytes written by streaming responses since the last clear(). */
  readonly bytesStreamed: number;
  readonly listening: boolean;
  readonly events: EventEmitter<MockBackendEvents>;

  setModels(models: MockModelInput[]): void;
  setTokens(tokens: number, tokenDelayMs?: number): void;
  setScript(script: MockScript | undefined): void;
  /** null clears. Throws on a malformed spec. */
  setFault(fault: MockFaultSpec | null, scope?: MockFaultScope): void;
  /** Forget recorded requests, stream closes and counters. */
  clear(): void;
  /**
   * Resolve with the next stream close of that reason (default 'client') not yet handed out, including
   * ones that happened before the call; reject after timeoutMs (default 5000).
   */
  waitForStreamClosed(options?: {
    reason?: MockStreamCloseReason | 'any';
    timeoutMs?: number;
  }): Promise<MockStreamClosed>;
  /** Listen again on the same port after stop(). */
  start(): Promise<void>;
  /** Stop listening and destroy every connection (in-flight streams end abruptly). */
  stop(): Promise<void>;
  /** stop() for good. */
  close(): Promise<void>;
}
