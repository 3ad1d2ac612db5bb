/**
 * Where the Responses API keeps stored conversations (`store`, `previous_response_id`). The
 * in-memory adapter serves one Olla; a shared store (Redis) can implement the same port later.
 * Items are kept in Responses input-item form, so a stored conversation replays as input.
 */
export interface ResponseStore {
  /** The conversation up to and including the response `id`, or undefined when unknown or expired. */
  get(id: string): readonly unknown[] | undefined;
  put(id: string, items: readonly unknown[]): void;
}
