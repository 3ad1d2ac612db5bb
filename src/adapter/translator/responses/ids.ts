import { randomBase58 } from '../ids.js';

/** Ids in OpenAI's style: `resp_…` for responses, `msg_…`, `fc_…`, `rs_…` for items, `call_…` for tool calls. */
export const newResponseId = (): string => `resp_${randomBase58()}`;
export const newItemId = (prefix: 'msg' | 'fc' | 'rs'): string => `${prefix}_${randomBase58()}`;
export const newCallId = (): string => `call_${randomBase58()}`;
