import { replaceTopLevelString } from '../json-field.js';

/**
 * A request body as the client's connection delivered it. Node hands a large body over in chunks
 * of up to 64 KB, each a buffer of its own. Joining 10 MB of them costs a copy, and V8 counts the
 * joined buffer as external memory, which brings as many garbage collections again. On 10 MB
 * bodies the join and its collections were a fifth of Olla's CPU. So the chunks are kept as they
 * came: routing reads `model` from the first one, capability markers are searched chunk by chunk,
 * and the engine writes the chunks upstream in order. Only a rewrite or a deep look joins them,
 * and then only once.
 */
export class RequestBody {
  readonly length: number;
  // Never empty: a body of no bytes is one empty chunk.
  #chunks: readonly Buffer[];

  private constructor(chunks: readonly Buffer[], length: number) {
    this.#chunks = chunks;
    this.length = length;
  }

  /** A body already in one buffer. */
  static of(buffer: Buffer): RequestBody {
    return new RequestBody([buffer], buffer.length);
  }

  /** A body from its chunks in arrival order; `length` is their total. */
  static ofChunks(chunks: readonly Buffer[], length: number): RequestBody {
    return chunks.length === 0 ? RequestBody.of(Buffer.alloc(0)) : new RequestBody(chunks, length);
  }

  /** The first chunk, where clients put `model`. */
  get head(): Buffer {
    return this.#chunks[0]!;
  }

  /** Whether `head` is the whole body. */
  get joined(): boolean {
    return this.#chunks.length === 1;
  }

  /** The bytes in order, as the engine writes them upstream: the one buffer, or the chunks. */
  get chunks(): readonly Buffer[] {
    return this.#chunks;
  }

  /** Every byte in one buffer. The first call joins the chunks; the joined buffer replaces them. */
  get whole(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.length)];
    return this.#chunks[0]!;
  }

  /**
   * The same body with its top-level string `key` set to `value`, or this body when it has no
   * such string. A field found in the first chunk is the one the whole document holds (see
   * json-field.test.ts), so a `model` named first is renamed there and the other chunks are kept.
   */
  withTopLevelString(key: string, value: string): RequestBody {
    const [head, ...rest] = this.#chunks;
    const renamed = rest.length === 0 ? undefined : replaceTopLevelString(head!, key, value);
    if (renamed !== undefined) return new RequestBody([renamed, ...rest], this.length - head!.length + renamed.length);
    const whole = replaceTopLevelString(this.whole, key, value);
    return whole === undefined ? this : RequestBody.of(whole);
  }

  /** Whether `needle` occurs anywhere, including across chunk boundaries, without joining. */
  includes(needle: Buffer): boolean {
    const chunks = this.#chunks;
    if (chunks.length === 1) return chunks[0]!.includes(needle);
    const reach = needle.length - 1;
    if (reach < 0) return true;
    // The last `reach` bytes before the current chunk: a match that starts there ends in it or later.
    let carry: Buffer | undefined;
    for (const chunk of chunks) {
      if (carry !== undefined && Buffer.concat([carry, chunk.subarray(0, reach)]).includes(needle)) return true;
      if (chunk.includes(needle)) return true;
      if (reach === 0) continue;
      carry =
        carry === undefined || chunk.length >= reach
          ? chunk.subarray(Math.max(0, chunk.length - reach))
          : Buffer.concat([carry, chunk]).subarray(-reach);
    }
    return false;
  }
}
