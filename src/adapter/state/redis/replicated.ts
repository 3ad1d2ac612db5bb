/**
 * Passive ejections and stored Responses conversations, shared by replication: each instance keeps
 * its local store (the ports are synchronous, read on the request path), and every write is
 * published on the shared store so the other instances apply it to theirs within milliseconds. An
 * instance started later learns only what is written from then on, which suits both: ejections
 * last seconds to minutes, and a conversation's next turn is written again when it is stored.
 */
import type { Ejection, EjectionStore } from '../../../core/ports/ejections.js';
import type { ResponseStore } from '../../../core/ports/response-store.js';
import type { SharedConnection } from './shared-connection.js';

const EJECTIONS = 'ejections';
const RESPONSES = 'responses';

export class ReplicatedEjectionStore implements EjectionStore {
  readonly #local: EjectionStore;
  readonly #connection: SharedConnection;

  constructor(local: EjectionStore, connection: SharedConnection) {
    this.#local = local;
    this.#connection = connection;
    connection.subscribe(EJECTIONS, (message) => {
      const ejection = parseJson(message) as Ejection | undefined;
      if (ejection !== undefined && typeof ejection.endpoint === 'string') local.set(ejection);
    });
  }

  get(endpoint: string): Ejection | undefined {
    return this.#local.get(endpoint);
  }

  set(ejection: Ejection): void {
    this.#local.set(ejection);
    this.#connection.publish(EJECTIONS, JSON.stringify(ejection));
  }
}

export class ReplicatedResponseStore implements ResponseStore {
  readonly #local: ResponseStore;
  readonly #connection: SharedConnection;

  constructor(local: ResponseStore, connection: SharedConnection) {
    this.#local = local;
    this.#connection = connection;
    connection.subscribe(RESPONSES, (message) => {
      const stored = parseJson(message) as { id?: unknown; items?: unknown } | undefined;
      if (stored && typeof stored.id === 'string' && Array.isArray(stored.items)) local.put(stored.id, stored.items);
    });
  }

  get(id: string): readonly unknown[] | undefined {
    return this.#local.get(id);
  }

  put(id: string, items: readonly unknown[]): void {
    this.#local.put(id, items);
    this.#connection.publish(RESPONSES, JSON.stringify({ id, items }));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
