/**
 * The translators a config reload can re-set: each enabled at start-up is held here and swapped
 * for a new instance when its settings change. Handlers read the instance once per request, so a
 * request keeps the settings it began with. Their routes exist only when enabled at start-up, so
 * switching a translator on or off takes a restart (the diff reports it).
 */
import { createInspector } from '../../adapter/inspector/session-inspector.js';
import { AnthropicTranslator } from '../../adapter/translator/anthropic/translator.js';
import type { ResponseStore } from '../../core/ports/response-store.js';
import { ResponsesTranslator } from '../../adapter/translator/responses/translator.js';
import type { OllaConfig } from '../../config/types.js';
import type { Logger } from '../../logger/logger.js';

type TranslatorsConfig = OllaConfig['translators'];

export class LiveTranslators {
  anthropic: AnthropicTranslator | undefined;
  responses: ResponsesTranslator | undefined;
  readonly #inspectorLogger: Pick<Logger, 'warn'>;
  readonly #responseStore: ResponseStore | undefined;
  #config: TranslatorsConfig;

  /** `responseStore` is kept across reloads (stored conversations survive them). */
  constructor(
    config: TranslatorsConfig,
    deps: { inspectorLogger: Pick<Logger, 'warn'>; responseStore?: () => ResponseStore },
  ) {
    this.#config = config;
    this.#inspectorLogger = deps.inspectorLogger;
    this.#responseStore = config.responses.enabled ? deps.responseStore?.() : undefined;
    this.anthropic = config.anthropic.enabled ? this.#anthropic(config.anthropic) : undefined;
    this.responses = this.#responseStore ? new ResponsesTranslator(config.responses, this.#responseStore) : undefined;
  }

  reconfigure(config: TranslatorsConfig): void {
    const before = this.#config;
    this.#config = config;
    if (this.anthropic && JSON.stringify(before.anthropic) !== JSON.stringify(config.anthropic))
      this.anthropic = this.#anthropic(config.anthropic);
    if (this.responses && this.#responseStore && JSON.stringify(before.responses) !== JSON.stringify(config.responses))
      this.responses = new ResponsesTranslator(config.responses, this.#responseStore);
  }

  #anthropic(config: TranslatorsConfig['anthropic']): AnthropicTranslator {
    return new AnthropicTranslator(config, { inspector: createInspector(config.inspector, this.#inspectorLogger) });
  }
}
