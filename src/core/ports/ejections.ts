/**
 * Where passive ejections live. In memory for one process today; a shared store (Redis) can
 * implement the same port so every Olla in front of a fleet agrees on which node is ejected.
 */

export interface Ejection {
  readonly endpoint: string;
  /** Epoch ms the ejection began and ends. */
  readonly since: number;
  readonly until: number;
  /** Why, in words for status pages and logs. */
  readonly reason: string;
  /** How many times the endpoint has been ejected (the nth lasts n base times). */
  readonly count: number;
  /** True until the first outcome after `until` has decided whether the node stays in. */
  readonly awaitingTrial: boolean;
}

export interface EjectionStore {
  /** The endpoint's latest ejection, live or ended, or undefined when it has none on record. */
  get(endpoint: string): Ejection | undefined;
  set(ejection: Ejection): void;
}
