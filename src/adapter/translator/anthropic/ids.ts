import { randomBase58 } from '../ids.js';

/** A message id in Anthropic's style (`msg_01…`), as the original generates them. */
export function newMessageId(): string {
  return `msg_01${randomBase58()}`;
}

/** A tool-use id in Anthropic's style, for backends that send a tool call without one. */
export function newToolUseId(): string {
  return `toolu_01${randomBase58()}`;
}
