/**
 * Where JSON log lines go: a file descriptor (stdout, or the log file) written in batches, flushed
 * on exit, and never able to hold the process up once its reader has gone.
 *
 * Each batch is one synchronous write. One write per line was the cost (a third of the requests/s
 * at one connection); a write per 8 KB is not, and being synchronous it leaves nothing in flight
 * for an exit or a crash to lose (an asynchronous write handed to the thread pool just before
 * `exit` may never happen). sonic-boom, pino's own destination, retried a failed exit write for
 * ever, EPIPE included: `olla | tee` stopped by Ctrl-C left Olla spinning in its exit flush, deaf
 * to every further signal. Here a reader that has gone (EPIPE, EBADF) ends logging at once, and one
 * that is not keeping up with a non-blocking pipe (EAGAIN) keeps its lines for the next tick, up to
 * a limit, and gets a bounded time at exit. A blocking pipe whose reader stops reading stalls the
 * writer, as it does any program writing to it (Node's own stdout, and the Go original).
 */
import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Lines are batched up to this many bytes before a write. One write per request line cost the
 * proxy about a third of its requests/s at one connection and a tenth at 64: each write is a
 * thread-pool round trip.
 */
export const LOG_BATCH_BYTES = 8192;
/** A quiet proxy's lines still reach the reader within this long. */
export const LOG_FLUSH_INTERVAL_MS = 100;
/** How long the exit flush waits on a reader that has stopped reading before it gives up. */
export const EXIT_FLUSH_LIMIT_MS = 2000;
/**
 * Lines held for a reader that is not keeping up, at most. Past it new lines are counted and
 * dropped (and the count logged once the reader catches up): a stalled log pipe must not grow
 * the proxy until it dies.
 */
export const LOG_BACKLOG_LIMIT_BYTES = 32 * 1024 * 1024;

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Every open destination, flushed by one exit listener (a listener each would trip Node's leak warning in tests). */
const open = new Set<BatchedDestination>();
let exitListening = false;
function flushAllAtExit(): void {
  for (const destination of open) destination.flushSync();
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

export class BatchedDestination {
  readonly #fd: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  /** Bytes a write left over (EAGAIN): they go before anything pending. */
  #head: Buffer | undefined;
  #closed = false;
  #dropped = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(fd: number) {
    this.#fd = fd;
    // Unref'd: the timer never keeps the process alive, and the exit flush takes the rest.
    this.#timer = setInterval(() => this.#writeOut(), LOG_FLUSH_INTERVAL_MS).unref();
    open.add(this);
    if (!exitListening) {
      exitListening = true;
      process.on('exit', flushAllAtExit);
    }
  }

  /** The log file, appended to, its folder made when missing. */
  static toFile(path: string): BatchedDestination {
    mkdirSync(dirname(path), { recursive: true });
    return new BatchedDestination(openSync(path, 'a'));
  }

  /** pino's stream contract: take the line, never ask the logger to wait. */
  write(line: string): boolean {
    if (this.#closed) return true;
    if (this.#pendingBytes + (this.#head?.length ?? 0) >= LOG_BACKLOG_LIMIT_BYTES) {
      this.#dropped++;
      return true;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    // A pipe that refused the last write (EAGAIN) is tried again by the timer, not on every line:
    // each try copies the whole backlog.
    if (this.#pendingBytes >= LOG_BATCH_BYTES && this.#head === undefined) this.#writeOut();
    return true;
  }

  /** Writes whatever is held: at exit, when no later tick will. */
  flushSync(): void {
    if (this.#closed) return;
    clearInterval(this.#timer);
    this.#writeOut(Date.now() + EXIT_FLUSH_LIMIT_MS);
  }

  /** The lines held as one text, with a line for lines dropped meanwhile. */
  #takeLines(): string {
    if (this.#dropped > 0) {
      this.#pending.push(
        `${JSON.stringify({ level: 40, time: new Date().toISOString(), dropped: this.#dropped, msg: 'log lines dropped: the log reader was not keeping up' })}\n`,
      );
      this.#dropped = 0;
    }
    const text = this.#pending.join('');
    this.#pending = [];
    this.#pendingBytes = 0;
    return text;
  }

  /** Everything held as one buffer, leftovers first. */
  #take(): Buffer {
    const text = Buffer.from(this.#takeLines());
    const head = this.#head;
    this.#head = undefined;
    return head ? Buffer.concat([head, text]) : text;
  }

  /**
   * The usual case, nothing left over: the batch in one write that encodes the text itself (no
   * Buffer made per batch). Returns what is still to write, if anything (none once logging has ended).
   */
  #writeLines(): Buffer | undefined {
    const text = this.#takeLines();
    try {
      const sent = writeSync(this.#fd, text);
      return sent === Buffer.byteLength(text) ? undefined : Buffer.from(text).subarray(sent);
    } catch (err) {
      if (errorCode(err) === 'EAGAIN') return Buffer.from(text);
      this.#close();
      return undefined;
    }
  }

  /**
   * Writes what is held. A full non-blocking pipe (EAGAIN) keeps the rest for the next tick, or,
   * given a `deadline` (exit), is waited on until then.
   */
  #writeOut(deadline?: number): void {
    if (this.#closed || (this.#pendingBytes === 0 && !this.#head && this.#dropped === 0)) return;
    let bytes = this.#head === undefined ? this.#writeLines() : this.#take();
    if (bytes === undefined) return;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(this.#fd, bytes));
      } catch (err) {
        if (errorCode(err) !== 'EAGAIN') {
          this.#close();
          return;
        }
        if (deadline === undefined || Date.now() >= deadline) {
          this.#head = bytes;
          return;
        }
        Atomics.wait(pause, 0, 0, 1);
      }
    }
  }

  #close(): void {
    this.#closed = true;
    open.delete(this);
    clearInterval(this.#timer);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#head = undefined;
  }
}
