import * as z from 'zod';
import { bool, duration, integer, maybe, optional, required, section, text, textList } from '../../config/fields.js';
import { type ParseResult, parsed, rejected } from '../../config/parse-result.js';

/**
 * The shape of a profile YAML file, in the file's own snake_case, built from the config
 * loader's leaves so values read as the Go original's decoder reads them (scalars as text,
 * YAML 1.1 booleans, Go durations, an empty key meaning "unset"). Unknown keys inside the known
 * sections are ignored, so files written for the original load unchanged; unknown top-level
 * sections are kept by the mapper as `extra`. Zeros stay zeros here: the mapper applies the
 * original's fallbacks.
 */

type Parser<T> = (input: unknown) => ParseResult<T>;

const wholeNumbers = (min: number): Parser<number[]> => {
  const item = integer(min);
  return (input) => {
    if (!Array.isArray(input)) return rejected('is not a list of whole numbers');
    const out: number[] = [];
    for (const [index, value] of input.entries()) {
      const result = item(value);
      if (!result.ok) return rejected(`item ${index}: ${result.reason}`);
      out.push(result.value);
    }
    return parsed(out);
  };
};

/** A sub-mapping whose absence matters (it is `undefined`, not a block of defaults). */
const presence = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.preprocess((input) => input ?? undefined, z.object(shape).optional());

const name: Parser<string> = (input) => {
  const result = text(input);
  return result.ok && result.value === '' ? rejected('is required') : result;
};

const count = integer(0);
// -1 marks "not among api.paths" (llama.cpp's health route).
const pathIndex = maybe(integer(-1));

export const profileFileSchema = z.object({
  name: required(name),
  version: optional(text, ''),
  display_name: optional(text, ''),
  description: optional(text, ''),
  home: maybe(text),
  routing: section({ prefixes: optional(textList, []) }),
  api: section({
    openai_compatible: optional(bool, false),
    paths: optional(textList, []),
    model_discovery_path: optional(text, ''),
    health_check_path: optional(text, ''),
    anthropic_support: presence({
      enabled: optional(bool, false),
      messages_path: optional(text, ''),
      token_count: optional(bool, false),
      min_version: maybe(text),
      limitations: optional(textList, []),
    }),
    responses_support: presence({ enabled: optional(bool, false), responses_path: optional(text, '') }),
  }),
  characteristics: section({
    timeout: optional(duration, 0),
    max_concurrent_requests: optional(count, 0),
    default_priority: optional(count, 0),
    streaming_support: optional(bool, false),
    auth: presence({
      required: optional(bool, false),
      types: optional(textList, []),
      default_header: maybe(text),
    }),
  }),
  detection: section({
    user_agent_patterns: optional(textList, []),
    headers: optional(textList, []),
    path_indicators: optional(textList, []),
    default_ports: optional(wholeNumbers(0), []),
    response_patterns: optional(textList, []),
  }),
  models: section({
    name_format: optional(text, ''),
    capability_patterns: z.preprocess((input) => input ?? {}, z.record(z.string(), required(textList))),
    context_patterns: z.preprocess(
      (input) => input ?? [],
      z.array(z.object({ pattern: required(text), context: required(count) })),
    ),
  }),
  request: section({
    model_field_paths: optional(textList, []),
    response_format: optional(text, ''),
    parsing_rules: section({
      chat_completions_path: optional(text, ''),
      completions_path: optional(text, ''),
      generate_path: optional(text, ''),
      model_field_name: optional(text, ''),
      supports_streaming: optional(bool, false),
    }),
  }),
  // Only these five indices are read; profiles document others (props, rerank…) freely.
  path_indices: z.preprocess(
    (input) => input ?? undefined,
    z
      .object({
        health: pathIndex,
        models: pathIndex,
        completions: pathIndex,
        chat_completions: pathIndex,
        embeddings: pathIndex,
      })
      .optional(),
  ),
});

export type ProfileFile = z.infer<typeof profileFileSchema>;

/** Top-level keys the schema understands; every other section is carried as `extra`. */
export const KNOWN_SECTIONS: ReadonlySet<string> = new Set(Object.keys(profileFileSchema.shape));
