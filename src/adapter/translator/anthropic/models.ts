/**
 * `GET /olla/anthropic/v1/models` in Anthropic's list shape. The SDKs use `type` as the
 * discriminator, so it is `model`; `created_at` is RFC 3339. Olla knows no real creation time, so
 * like the original it reports the process start, which at least stays put between calls.
 */

export interface AnthropicModelEntry {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
}

export interface AnthropicModelList {
  data: AnthropicModelEntry[];
  has_more: false;
  /** null when the list is empty. */
  first_id: string | null;
  last_id: string | null;
}

/** RFC 3339 in UTC to the second, as Go's `time.RFC3339` prints it. */
export function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const PROCESS_START = rfc3339Seconds(new Date());

/** The list for these ids (the handler passes each model's first alias where it has one). */
export function anthropicModelList(ids: readonly string[], createdAt: string = PROCESS_START): AnthropicModelList {
  const data = ids.map((id): AnthropicModelEntry => ({ type: 'model', id, display_name: id, created_at: createdAt }));
  return { data, has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null };
}

/**
 * The encoded list, rebuilt only when the ids change. The model set moves on the discovery cycle
 * (tens of seconds) while clients may ask on every start-up, so encoding once pays off.
 */
export class AnthropicModelListCache {
  #key: string | undefined = undefined;
  #body: Buffer = Buffer.alloc(0);
  readonly #createdAt: string;

  constructor(createdAt: string = PROCESS_START) {
    this.#createdAt = createdAt;
  }

  body(ids: readonly string[]): Buffer {
    // NUL cannot appear in a model id, so the joined key never confuses two different lists.
    const key = ids.join('\0');
    if (key !== this.#key) {
      this.#body = Buffer.from(JSON.stringify(anthropicModelList(ids, this.#createdAt)));
      this.#key = key;
    }
    return this.#body;
  }
}
