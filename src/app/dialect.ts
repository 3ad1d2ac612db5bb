import type { ErrorDialect } from '../core/error-body.js';
import { pathOf } from './handlers/proxy-target.js';

/**
 * Which error shape a path's clients parse. Anthropic SDKs need Anthropic's envelope; OpenAI
 * SDKs read `error.message`; Ollama clients (and Olla's own API) read a string `error`.
 */
export function dialectForPath(url: string): ErrorDialect {
  if (!url.startsWith('/olla/')) return 'olla';
  if (url.startsWith('/olla/anthropic/')) return 'anthropic';
  // The Responses API is OpenAI's under every prefix, /olla/proxy/ included: its SDKs read `error.message`.
  if (pathOf(url).endsWith('/v1/responses')) return 'openai';
  if (url.startsWith('/olla/ollama/') || url.startsWith('/olla/proxy/') || url.startsWith('/olla/models')) {
    return 'olla';
  }
  // Every other provider prefix (openai, vllm, lmstudio, llamacpp, …) speaks the OpenAI API.
  return 'openai';
}
