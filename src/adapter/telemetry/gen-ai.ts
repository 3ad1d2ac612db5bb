/**
 * The OpenTelemetry GenAI semantic conventions' view of a proxied request, worked out from what
 * the proxy already has: the path names the operation, and the response bytes carry the model
 * that answered and the token usage in the field names the backends use. Pure functions.
 */

/** `gen_ai.operation.name` for a target path; undefined for paths that are no inference call. */
export function operationName(targetPath: string): string | undefined {
  const path = targetPath.split('?', 1)[0]!;
  if (/\/(chat\/completions|api\/chat|messages|responses)$/.test(path)) return 'chat';
  if (/\/(completions|api\/generate)$/.test(path)) return 'text_completion';
  if (/\/(embeddings|api\/embed|api\/embeddings)$/.test(path)) return 'embeddings';
  return undefined;
}

export interface ObservedUsage {
  responseModel?: string;
  inputTokens?: number;
  outputTokens?: number;
}

const MODEL = /"model"\s*:\s*"([^"\\]{1,200})"/;
// OpenAI (`prompt_tokens`), Anthropic (`input_tokens`) and Ollama (`prompt_eval_count`) spellings.
const INPUT = /"(?:prompt_tokens|input_tokens|prompt_eval_count)"\s*:\s*(\d+)/g;
const OUTPUT = /"(?:completion_tokens|output_tokens|eval_count)"\s*:\s*(\d+)/g;

function lastNumber(pattern: RegExp, text: string): number | undefined {
  let found: number | undefined;
  for (const match of text.matchAll(pattern)) found = Number(match[1]);
  return found;
}

/**
 * Folds one response chunk into what is known so far: the first model named, and the last usage
 * figures (streams repeat or complete them at the end). A field split across chunks is missed.
 */
export function observeChunk(known: ObservedUsage, chunk: string): void {
  if (known.responseModel === undefined) {
    const model = MODEL.exec(chunk);
    if (model) known.responseModel = model[1];
  }
  const input = lastNumber(INPUT, chunk);
  if (input !== undefined) known.inputTokens = input;
  const output = lastNumber(OUTPUT, chunk);
  if (output !== undefined) known.outputTokens = output;
}
