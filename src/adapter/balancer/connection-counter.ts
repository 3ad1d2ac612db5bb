/**
 * Requests in flight per endpoint, keyed by name so a count survives the endpoint object being
 * replaced (config reload, a repository handing out fresh copies).
 */
export class ConnectionCounter {
  readonly #counts = new Map<string, number>();

  acquire(name: string): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }

  /** Never drops below zero: an unpaired release must not make a node look extra idle. */
  release(name: string): void {
    const count = this.#counts.get(name);
    if (count === undefined) return;
    // Dropping idle names keeps the map as small as the set of busy endpoints.
    if (count <= 1) this.#counts.delete(name);
    else this.#counts.set(name, count - 1);
  }

  count(name: string): number {
    return this.#counts.get(name) ?? 0;
  }
}
