/** How a translator served a request, and why passthrough was not used (the original's names, used in stats). */

export type TranslatorMode = 'passthrough' | 'translation';

/** `''` when passthrough was used. */
export type FallbackReason =
  | ''
  | 'no_compatible_endpoints'
  | 'translator_does_not_support_passthrough'
  | 'cannot_passthrough';
