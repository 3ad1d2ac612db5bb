/**
 * Per-endpoint proxy counters, kept on the hot path: plain number fields on one object per
 * endpoint, bumped in place. Readers (status, metrics) take a snapshot.
 */
export class EndpointTally {
  requests = 0;
  successes = 0;
  failures = 0;
  /** Exchanges the client abandoned; neither a success nor the endpoint's failure. */
  clientAborts = 0;
  inFlight = 0;
  bytesIn = 0;
  bytesOut = 0;
  latencySumMs = 0;
  /** 0 until the first success. */
  latencyMinMs = 0;
  latencyMaxMs = 0;
}

export type EndpointCounterSnapshot = Readonly<EndpointTally>;

export class EndpointCounters {
  readonly #byName = new Map<string, EndpointTally>();

  /** An attempt to `endpoint` starts, sending `bytesIn` bytes of body. */
  begin(endpoint: string, bytesIn: number): EndpointTally {
    let tally = this.#byName.get(endpoint);
    if (tally === undefined) {
      tally = new EndpointTally();
      this.#byName.set(endpoint, tally);
    }
    tally.requests++;
    tally.inFlight++;
    tally.bytesIn += bytesIn;
    return tally;
  }

  succeeded(tally: EndpointTally, latencyMs: number, bytesOut: number): void {
    tally.inFlight--;
    tally.successes++;
    tally.bytesOut += bytesOut;
    tally.latencySumMs += latencyMs;
    if (tally.successes === 1 || latencyMs < tally.latencyMinMs) tally.latencyMinMs = latencyMs;
    if (latencyMs > tally.latencyMaxMs) tally.latencyMaxMs = latencyMs;
  }

  failed(tally: EndpointTally, bytesOut: number): void {
    tally.inFlight--;
    tally.failures++;
    tally.bytesOut += bytesOut;
  }

  abandoned(tally: EndpointTally, bytesOut: number): void {
    tally.inFlight--;
    tally.clientAborts++;
    tally.bytesOut += bytesOut;
  }

  /** A copy of every endpoint's counters, keyed by endpoint name. */
  snapshot(): Map<string, EndpointCounterSnapshot> {
    const copy = new Map<string, EndpointCounterSnapshot>();
    for (const [name, tally] of this.#byName) copy.set(name, { ...tally });
    return copy;
  }
}
