/** Replaying a test's scripted response byte for byte, and a helper to script a sequence of them. */
import type { Exchange } from './exchange.js';
import {
  NDJSON_CONTENT_TYPE,
  ndjsonLine,
  SSE_CONTENT_TYPE,
  type StreamFrame,
  sseData,
  sseDone,
  sseEvent,
} from './framing.js';
import type { MockScript, MockScriptedFrame, MockScriptedResponse } from './types.js';

export function playScript(ex: Exchange, response: MockScriptedResponse, model: string): Promise<void> | void {
  switch (response.kind) {
    case 'json':
      return ex.sendJson(response.status ?? 200, response.body, response.headers);
    case 'sse': {
      const frames = response.frames.map(toStreamFrame);
      const end = response.end ?? 'done';
      if (end === 'done') frames.push(sseDone());
      return ex.stream(SSE_CONTENT_TYPE, frames, model, {
        ending: end === 'close' ? 'close' : 'end',
        status: response.status,
        headers: response.headers,
      });
    }
    case 'ndjson':
      return ex.stream(
        NDJSON_CONTENT_TYPE,
        response.lines.map((line) => ndjsonLine(line.data, line.delayMs)),
        model,
        { status: response.status, headers: response.headers },
      );
  }
}

function toStreamFrame(frame: MockScriptedFrame): StreamFrame {
  if ('raw' in frame) return { text: frame.raw, delayMs: frame.delayMs ?? 0 };
  return frame.event === undefined
    ? sseData(frame.data, frame.delayMs)
    : sseEvent(frame.event, frame.data, frame.delayMs);
}

/** A script that answers the next scriptable requests with these responses in turn, then lets the mock answer. */
export function scriptSequence(...responses: MockScriptedResponse[]): MockScript {
  let next = 0;
  return () => responses[next++];
}
