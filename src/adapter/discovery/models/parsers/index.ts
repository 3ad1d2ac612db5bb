import type { ModelInfo } from '../../../../core/domain/model.js';
import { listAt } from './fields.js';
import { parseLmStudioModels } from './lmstudio.js';
import { parseOllamaTags } from './ollama.js';
import { type OpenAiListVariant, OpenAiVariants, parseOpenAiList } from './openai-list.js';

export type ModelListParser = (json: unknown, now?: number) => ModelInfo[];

const openAiParser =
  (variant: OpenAiListVariant): ModelListParser =>
  (json, now) =>
    parseOpenAiList(variant, json, now);

/**
 * Parsers keyed by a profile's `request.response_format`. oMLX and LiteLLM declare `openai`
 * (the OpenAI parser also reads oMLX's `max_model_len`); an unknown format gets the OpenAI
 * parser too, since that list shape is the de facto standard.
 */
const PARSERS: ReadonlyMap<string, ModelListParser> = new Map([
  ['ollama', parseOllamaTags],
  ['lmstudio', parseLmStudioModels],
  ['openai', openAiParser(OpenAiVariants.openai)],
  ['vllm', openAiParser(OpenAiVariants.vllm)],
  ['sglang', openAiParser(OpenAiVariants.sglang)],
  ['lmdeploy', openAiParser(OpenAiVariants.lmdeploy)],
  ['llamacpp', openAiParser(OpenAiVariants.llamacpp)],
  ['lemonade', openAiParser(OpenAiVariants.lemonade)],
  ['docker-model-runner', openAiParser(OpenAiVariants.dockerModelRunner)],
  ['vllm-mlx', openAiParser(OpenAiVariants.vllmMlx)],
]);

const FALLBACK = PARSERS.get('openai')!;

export function parserFor(responseFormat: string): ModelListParser {
  return PARSERS.get(responseFormat) ?? FALLBACK;
}

export function knownResponseFormats(): string[] {
  return [...PARSERS.keys()];
}

/**
 * How many raw entries the body lists, or undefined when it has no list at all. Discovery
 * compares this with the parsed count to tell a partial response from a bad one.
 */
export function listedEntryCount(responseFormat: string, json: unknown): number | undefined {
  return listAt(json, responseFormat === 'ollama' ? 'models' : 'data')?.length;
}

export { OpenAiVariants, parseLmStudioModels, parseOllamaTags, parseOpenAiList };
