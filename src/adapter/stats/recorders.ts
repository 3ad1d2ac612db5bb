import type { RequestRecord, RequestRecorder } from '../../core/ports/stats.js';

/**
 * One recorder that hands each record to several (stats and Prometheus): the proxy engines take
 * a single recorder. The list is fixed at construction; a plain loop over it allocates nothing.
 */
export class RecorderFanOut implements RequestRecorder {
  readonly #recorders: readonly RequestRecorder[];

  constructor(recorders: readonly RequestRecorder[]) {
    this.#recorders = [...recorders];
  }

  record(r: RequestRecord): void {
    const recorders = this.#recorders;
    for (let i = 0; i < recorders.length; i++) recorders[i]!.record(r);
  }
}
