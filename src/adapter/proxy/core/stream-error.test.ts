import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  atFrameBoundary,
  FRESH_TAIL,
  type StreamFraming,
  streamErrorFrame,
  streamFramingOf,
  trackTail,
} from './stream-error.js';

function tailOf(...chunks: string[]): number {
  return chunks.reduce((tail, chunk) => trackTail(tail, Buffer.from(chunk)), FRESH_TAIL);
}

/** What an SSE client dispatches from a whole body. */
function sseEvents(body: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(body);
  return events;
}

/** The stream as sent so far, then what the exchange writes on the upstream's death. */
function ended(framing: StreamFraming, ...sent: string[]): string {
  return sent.join('') + streamErrorFrame(framing, tailOf(...sent), 'backend stream interrupted: other side closed');
}

describe('streamFramingOf', () => {
  it('knows SSE (Anthropic-style on Anthropic routes) and NDJSON, and nothing else', () => {
    expect(streamFramingOf('text/event-stream; charset=utf-8', 'olla')).toBe('sse');
    expect(streamFramingOf('text/event-stream', 'anthropic')).toBe('anthropic-sse');
    expect(streamFramingOf('application/x-ndjson', 'olla')).toBe('ndjson');
    expect(streamFramingOf('application/json', 'openai')).toBeUndefined();
    expect(streamFramingOf(undefined, 'openai')).toBeUndefined();
  });
});

describe('trackTail', () => {
  it('holds the last four bytes of the stream however it was split (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 9 }), { maxLength: 12 }), (chunks) => {
        const all = Buffer.concat([Buffer.from([0x0a, 0x0a]), ...chunks]);
        const tail = chunks.reduce((t, chunk) => trackTail(t, chunk), FRESH_TAIL);
        const last4 = Buffer.concat([Buffer.alloc(4), all]).subarray(-4);
        expect(tail).toBe(last4.readUInt32BE(0));
      }),
    );
  });
});

describe('atFrameBoundary', () => {
  it('sees a blank line as the end of an SSE event, and a newline as the end of an NDJSON line', () => {
    expect(atFrameBoundary('sse', FRESH_TAIL)).toBe(true);
    expect(atFrameBoundary('sse', tailOf('data: {}\n\n'))).toBe(true);
    expect(atFrameBoundary('sse', tailOf('data: {}\r\n\r\n'))).toBe(true);
    expect(atFrameBoundary('sse', tailOf('data: {}\n', '\n'))).toBe(true);
    expect(atFrameBoundary('sse', tailOf('data: {}\n'))).toBe(false);
    expect(atFrameBoundary('sse', tailOf('data: {}\r\n'))).toBe(false);
    expect(atFrameBoundary('sse', tailOf('data: {"ch'))).toBe(false);
    expect(atFrameBoundary('ndjson', tailOf('{"done":false}\n'))).toBe(true);
    expect(atFrameBoundary('ndjson', tailOf('{"done":fa'))).toBe(false);
  });
});

describe('streamErrorFrame', () => {
  it("ends an OpenAI-style SSE stream with a data event carrying OpenAI's error object", () => {
    const events = sseEvents(ended('sse', 'data: {"choices":[]}\n\n'));
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[1]!.data)).toEqual({
      error: {
        message: 'backend stream interrupted: other side closed',
        type: 'upstream_error',
        code: 'stream_interrupted',
      },
    });
  });

  it('ends an Anthropic SSE stream with an error event in Anthropic’s envelope', () => {
    const events = sseEvents(ended('anthropic-sse', 'event: ping\ndata: {"type":"ping"}\n\n'));
    expect(events.at(-1)).toMatchObject({ event: 'error' });
    expect(JSON.parse(events.at(-1)!.data)).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'backend stream interrupted: other side closed' },
    });
  });

  it('closes an SSE event cut mid-way first, so the error is an event of its own', () => {
    for (const partial of ['data: {"choi', 'data: {"choices":[]}\n', 'event: message_delta\n']) {
      const events = sseEvents(ended('sse', 'data: {"choices":[]}\n\n', partial));
      // The partial event comes through as it was cut (a client sees one malformed event), then the error.
      expect(JSON.parse(events.at(-1)!.data).error.type).toBe('upstream_error');
    }
  });

  it('ends NDJSON with an error line, ending a cut line first', () => {
    for (const sent of [['{"done":false}\n'], ['{"done":false}\n', '{"message":{"cont']]) {
      const lines = ended('ndjson', ...sent).split('\n');
      expect(lines.at(-1)).toBe('');
      expect(JSON.parse(lines.at(-2)!)).toEqual({ error: 'backend stream interrupted: other side closed' });
    }
  });
});
