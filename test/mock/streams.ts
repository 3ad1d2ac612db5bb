/**
 * Bookkeeping of streaming responses: how many are open, how many bytes they wrote, and how each
 * ended, so a test can wait for "the client went away and the mock noticed".
 */

import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { MockBackendEvents, MockStreamClosed, MockStreamCloseReason } from './types.js';

/** One open stream; the writer marks how it is ending so the close can be told apart. */
export class StreamTicket {
  framesWritten = 0;
  /** The mock cut the stream on purpose (a fault or a scripted `close`). */
  cut = false;
  /** The backend is stopping and is tearing the stream down. */
  stopped = false;
  readonly path: string;
  readonly model: string;

  constructor(path: string, model: string) {
    this.path = path;
    this.model = model;
  }
}

interface Waiter {
  reason: MockStreamCloseReason | 'any';
  resolve: (closed: MockStreamClosed) => void;
}

/** Unclaimed closes kept for late waiters; a stress run would otherwise hoard one per stream. */
const MAX_UNCLAIMED = 1000;

export class StreamRegistry {
  bytesStreamed = 0;
  readonly #active = new Set<StreamTicket>();
  #unclaimed: MockStreamClosed[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #events: EventEmitter<MockBackendEvents>;

  constructor(events: EventEmitter<MockBackendEvents>) {
    this.#events = events;
  }

  get active(): number {
    return this.#active.size;
  }

  open(res: ServerResponse, path: string, model: string): StreamTicket {
    const ticket = new StreamTicket(path, model);
    this.#active.add(ticket);
    res.once('close', () => this.#closed(ticket, res));
    return ticket;
  }

  wrote(ticket: StreamTicket, bytes: number): void {
    ticket.framesWritten++;
    this.bytesStreamed += bytes;
  }

  /** Called before the backend destroys its connections, so those closes read 'stopped'. */
  markAllStopped(): void {
    for (const ticket of this.#active) ticket.stopped = true;
  }

  waitForClose(reason: MockStreamCloseReason | 'any', timeoutMs: number): Promise<MockStreamClosed> {
    const index = this.#unclaimed.findIndex((closed) => reason === 'any' || closed.reason === reason);
    if (index !== -1) return Promise.resolve(this.#unclaimed.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        reason,
        resolve: (closed) => {
          clearTimeout(timer);
          resolve(closed);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no stream closed (${reason}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  clear(): void {
    this.bytesStreamed = 0;
    this.#unclaimed = [];
  }

  #closed(ticket: StreamTicket, res: ServerResponse): void {
    this.#active.delete(ticket);
    const closed: MockStreamClosed = {
      path: ticket.path,
      model: ticket.model,
      reason: closeReason(ticket, res),
      framesWritten: ticket.framesWritten,
      at: performance.now(),
    };
    this.#events.emit('stream-closed', closed);
    const waiterIndex = this.#waiters.findIndex((waiter) => waiter.reason === 'any' || waiter.reason === closed.reason);
    if (waiterIndex !== -1) {
      this.#waiters.splice(waiterIndex, 1)[0]!.resolve(closed);
      return;
    }
    if (this.#unclaimed.length >= MAX_UNCLAIMED) this.#unclaimed.shift();
    this.#unclaimed.push(closed);
  }
}

function closeReason(ticket: StreamTicket, res: ServerResponse): MockStreamCloseReason {
  if (res.writableFinished) return 'completed';
  if (ticket.cut) return 'fault';
  if (ticket.stopped) return 'stopped';
  return 'client';
}
