import type { Ejection, EjectionStore } from '../../core/ports/ejections.js';

/** The single-process ejection store. */
export class MemoryEjectionStore implements EjectionStore {
  readonly #byEndpoint = new Map<string, Ejection>();

  get(endpoint: string): Ejection | undefined {
    return this.#byEndpoint.get(endpoint);
  }

  set(ejection: Ejection): void {
    this.#byEndpoint.set(ejection.endpoint, ejection);
  }
}
