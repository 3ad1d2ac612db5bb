import type { CapabilityNeeds, ModelCapability } from '../../core/domain/model.js';
import type { RequestBody } from '../../core/domain/request-body.js';
import { type FieldSpan, findTopLevelFields } from '../../core/json-field.js';

/**
 * Which model capabilities satisfy a required one. Spellings vary between the unifier,
 * profiles and backends, so each requirement accepts its synonyms (as the original's matcher).
 */
const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  vision: ['vision', 'vision_understanding', 'image'],
  embeddings: ['embeddings', 'embedding'],
  tools: ['tools', 'function', 'function_calling'],
  code: ['code', 'code_generation'],
  chat: ['chat', 'chat_completion'],
  completion: ['completion', 'text', 'text_generation'],
};

export function capabilitySatisfies(modelCapability: string, required: string): boolean {
  return modelCapability === required || (SYNONYMS[required]?.includes(modelCapability) ?? false);
}

const CODE_KEYWORDS = ['code', 'programming', 'function', 'class', 'debug', 'implement'];

/**
 * What a request body needs beyond plain chat, read the way the original's body inspector
 * does: `tools`/`functions`/`tool_choice`/`function_call` need tools, an image part in any
 * message needs vision, an `input` field needs embeddings, and a `language`/`code_model` field
 * or a system prompt that mentions code needs code. The original infers these from the body
 * only, never the path. Empty when nothing special is needed.
 */
export function requiredCapabilities(body: unknown): ModelCapability[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const data = body as Record<string, unknown>;
  const needs: ModelCapability[] = [];
  const messages = Array.isArray(data.messages) ? data.messages : [];
  if (messages.some((m) => hasImage((m as Record<string, unknown> | null)?.content))) needs.push('vision');
  if (['tools', 'functions', 'tool_choice', 'function_call'].some((k) => data[k] != null)) needs.push('tools');
  if (data.input != null) needs.push('embeddings');
  if (asksForCode(data, messages)) needs.push('code');
  return needs;
}

function hasImage(content: unknown): boolean {
  if (Array.isArray(content)) {
    return content.some((part) => {
      if (typeof part !== 'object' || part === null) return false;
      const { type, text } = part as Record<string, unknown>;
      return (
        type === 'image_url' ||
        type === 'image' ||
        (type === 'text' && typeof text === 'string' && text.startsWith('data:image/'))
      );
    });
  }
  if (typeof content === 'object' && content !== null) {
    const type = (content as Record<string, unknown>).type;
    return type === 'image_url' || type === 'image';
  }
  return false;
}

function asksForCode(data: Record<string, unknown>, messages: unknown[]): boolean {
  if ((typeof data.language === 'string' && data.language !== '') || data.code_model === true) return true;
  return messages.some((m) => {
    if (typeof m !== 'object' || m === null) return false;
    const { role, content } = m as Record<string, unknown>;
    if (role !== 'system' || typeof content !== 'string') return false;
    const lower = content.toLowerCase();
    return CODE_KEYWORDS.some((k) => lower.includes(k));
  });
}

export const IMAGE_MARKERS = ['"image_url"', '"images"', '"type":"image"', '"type": "image"'].map((m) =>
  Buffer.from(m),
);
/**
 * What every image marker holds: one search for it rules out a body without images, where four
 * searches walked it four times (5 % of the CPU with 10 MB bodies).
 */
export const IMAGE_MARKER_CORE = Buffer.from('"image');

/**
 * The same needs read from the raw request bytes, for the proxy's hot path: top-level fields
 * are found with the scanner and images by a byte search, so a plain chat request is never
 * parsed. Only a body that carries an image marker pays for JSON.parse, to confirm it. The
 * searches run over the chunks as they came; only a body that may need a field is joined.
 */
export function requiredCapabilitiesOfBody(body: RequestBody, path = ''): ModelCapability[] {
  const needs: ModelCapability[] = [];
  if (body.includes(IMAGE_MARKER_CORE) && IMAGE_MARKERS.some((m) => body.includes(m)) && confirmsImage(body.whole))
    needs.push('vision');
  const embeddings = onEmbeddingsPath(path);
  // optimisation: a native byte search rules out most bodies (a plain chat names no tool and no
  // input anywhere), so the scanner walks only those that might carry one of the fields.
  if (!TOOL_MARKERS.some((m) => body.includes(m)) && !(embeddings && body.includes(INPUT_MARKER))) return needs;
  // One pass over the top-level members finds every field of interest.
  const whole = body.whole;
  const spans = findTopLevelFields(whole, FIELDS);
  if (TOOL_FIELD_INDEXES.some((k) => hasValue(whole, spans[k]))) needs.push('tools');
  if (embeddings && hasValue(whole, spans[INPUT])) needs.push('embeddings');
  return needs;
}

/**
 * `input` means embeddings only on an embeddings path: the Responses API (`/v1/responses`)
 * carries its prompt in `input` too, and must not be steered to embedding models.
 */
function onEmbeddingsPath(path: string): boolean {
  return path.includes('embed');
}

const ON_ANY_PATH: readonly ModelCapability[] = ['vision', 'tools'];
const ON_EMBEDDINGS_PATHS: readonly ModelCapability[] = ['vision', 'tools', 'embeddings'];

/** A request body's needs, read from it by `requiredCapabilitiesOfBody` the first time they are asked for. */
export class BodyCapabilityNeeds implements CapabilityNeeds {
  readonly possible: readonly ModelCapability[];
  readonly #body: RequestBody;
  readonly #path: string;
  #needed: readonly ModelCapability[] | undefined = undefined;

  constructor(body: RequestBody, path: string) {
    this.#body = body;
    this.#path = path;
    this.possible = onEmbeddingsPath(path) ? ON_EMBEDDINGS_PATHS : ON_ANY_PATH;
  }

  needed(): readonly ModelCapability[] {
    this.#needed ??= requiredCapabilitiesOfBody(this.#body, this.#path);
    return this.#needed;
  }
}

const FIELDS = ['tools', 'functions', 'tool_choice', 'function_call', 'input'];
/** What every tool field's key starts with (`"tools"`, `"tool_choice"`; `"functions"`, `"function_call"`). */
const TOOL_MARKERS = [Buffer.from('"tool'), Buffer.from('"function')];
const INPUT_MARKER = Buffer.from('"input"');
const TOOL_FIELD_INDEXES = [0, 1, 2, 3];
const INPUT = 4;

function hasValue(body: Buffer, span: FieldSpan | undefined): boolean {
  return (
    span !== undefined && !(span.end - span.start === 4 && body.toString('latin1', span.start, span.end) === 'null')
  );
}

function confirmsImage(body: Buffer): boolean {
  try {
    const data = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const messages = Array.isArray(data?.messages) ? data.messages : [];
    return messages.some((m) => {
      const msg = m as Record<string, unknown> | null;
      return hasImage(msg?.content) || (Array.isArray(msg?.images) && msg.images.length > 0);
    });
  } catch {
    return false;
  }
}
