/**
 * Where JSON log lines go: a file descriptor (stdout, or the log file) written in batches, flushed
 * on exit, and never able to hold the process up once its reader has gone.
 *
 * Each batch is one synchronous write. One write per line was the cost (a third of the requests/s
 * at one connection); a write per 64 KiB is not, and being synchronous it leaves nothing in flight
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
 * system call. Per byte, a 64 KiB write to a file cost half what an 8 KiB one did (0.20 against
 * 0.41 µs/KiB on ext4), and a pipe holds 64 KiB by default.
 */
export const LOG_BATCH_BYTES = 64 * 1024;
/** Room for a batch and the line that completes it; a longer line is held on its own. */
const LOG_BUFFER_BYTES = 2 * LOG_BATCH_BYTES;
/**
 * A quiet proxy's lines still reach the reader within this long. The timer runs only while lines
 * wait: an idle Olla is not woken ten times a second to find nothing to write.
 */
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

/**
 * Whether a pino JSON line is at warn (40) or above, read from its first field (`{"level":40,`):
 * such a line is written at once, with the batch before it, so an operator tailing the log sees a
 * refused reload or a failing node when it happens, and a process killed a moment later (SIGKILL,
 * OOM) has still told why. Info lines, the request log among them, wait for the batch.
 */
export function isWarningOrWorse(line: string): boolean {
  const tens = line.charCodeAt(9);
  return line.startsWith('{"level":') && tens >= 52 && tens <= 57 && line.charCodeAt(11) === 44;
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

export class BatchedDestination {
  readonly #fd: number;
  /**
   * Lines not yet written, encoded as they arrive. Held as strings until the batch was joined,
   * each line's pieces outlived the scavenges of the ~30 ms a batch takes to fill, and the join
   * then gathered them from wherever the collector had moved them.
   */
  #buffer = Buffer.allocUnsafeSlow(LOG_BUFFER_BYTES);
  #used = 0;
  /** Bytes a reader refused (EAGAIN), and the lines held behind them, oldest first: they go before the buffer. */
  #backlog: Buffer[] = [];
  #backlogBytes = 0;
  #closed = false;
  #dropped = 0;
  /** The flush timer, made on the first line and re-armed (not remade) for each later wait. */
  #timer: NodeJS.Timeout | undefined;
  #armed = false;

  constructor(fd: number) {
    this.#fd = fd;
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
    if (this.#backlogBytes + this.#used >= LOG_BACKLOG_LIMIT_BYTES) {
      this.#dropped++;
      return true;
    }
    this.#append(line);
    // A pipe that refused the last write (EAGAIN) is tried again by the timer, not on every line:
    // each try is a system call that fails.
    if ((this.#used >= LOG_BATCH_BYTES || isWarningOrWorse(line)) && this.#backlog.length === 0) this.#writeOut();
    if (!this.#armed && this.#holding()) this.#arm();
    return true;
  }

  #holding(): boolean {
    return this.#used > 0 || this.#backlog.length > 0 || this.#dropped > 0;
  }

  #arm(): void {
    this.#armed = true;
    // Unref'd: the timer never keeps the process alive, and the exit flush takes the rest.
    if (this.#timer === undefined) this.#timer = setTimeout(() => this.#onTimer(), LOG_FLUSH_INTERVAL_MS).unref();
    else this.#timer.refresh();
  }

  #onTimer(): void {
    this.#armed = false;
    this.#writeOut();
    // Lines a slow reader refused wait for the next round; with nothing held the timer stays off.
    if (!this.#closed && this.#holding()) this.#arm();
  }

  /** Writes whatever is held: at exit, when no later tick will. */
  flushSync(): void {
    if (this.#closed) return;
    this.#disarm();
    this.#writeOut(Date.now() + EXIT_FLUSH_LIMIT_MS);
  }

  /** Encodes `line` after the lines held, moving them to the backlog first when it might not fit. */
  #append(line: string): void {
    // UTF-8 takes at most three bytes for each UTF-16 unit.
    if (line.length * 3 > this.#buffer.length - this.#used) {
      this.#spill();
      if (line.length * 3 > this.#buffer.length) {
        this.#hold(Buffer.from(line));
        return;
      }
    }
    this.#used += this.#buffer.write(line, this.#used);
  }

  /** The buffer's lines join the backlog (or are written, with no backlog), leaving it empty. */
  #spill(): void {
    if (this.#used === 0) return;
    if (this.#backlog.length === 0) {
      this.#writeOut();
      if (this.#used === 0 || this.#closed) return;
    }
    this.#hold(this.#buffer.subarray(0, this.#used));
    this.#buffer = Buffer.allocUnsafeSlow(LOG_BUFFER_BYTES);
    this.#used = 0;
  }

  #hold(bytes: Buffer): void {
    this.#backlog.push(bytes);
    this.#backlogBytes += bytes.length;
  }

  /** A line for the lines dropped since the last write, after those held. */
  #noteDropped(): void {
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.#append(
      `${JSON.stringify({ level: 40, time: new Date().toISOString(), dropped, msg: 'log lines dropped: the log reader was not keeping up' })}\n`,
    );
  }

  /**
   * Writes what is held, the backlog first. A full non-blocking pipe (EAGAIN) keeps the rest for
   * the next tick, or, given a `deadline` (exit), is waited on until then.
   */
  #writeOut(deadline?: number): void {
    if (this.#closed) return;
    if (this.#dropped > 0) this.#noteDropped();
    while (this.#backlog.length > 0) {
      const chunk = this.#backlog[0]!;
      const sent = this.#send(chunk, chunk.length, deadline);
      if (this.#closed) return;
      this.#backlogBytes -= sent;
      if (sent < chunk.length) {
        this.#backlog[0] = chunk.subarray(sent);
        return;
      }
      this.#backlog.shift();
    }
    if (this.#used === 0) return;
    const sent = this.#send(this.#buffer, this.#used, deadline);
    if (this.#closed) return;
    if (sent < this.#used) {
      // The buffer goes to the backlog whole (no copy); new lines start a fresh one.
      this.#hold(this.#buffer.subarray(sent, this.#used));
      this.#buffer = Buffer.allocUnsafeSlow(LOG_BUFFER_BYTES);
    }
    this.#used = 0;
  }

  /**
   * Writes `bytes[0, end)` until done, refused (EAGAIN: waited on until `deadline`, when given) or
   * the reader has gone (logging ends). Returns how many bytes were written.
   */
  #send(bytes: Buffer, end: number, deadline: number | undefined): number {
    let sent = 0;
    while (sent < end) {
      try {
        sent += writeSync(this.#fd, bytes, sent, end - sent);
      } catch (err) {
        if (errorCode(err) !== 'EAGAIN') {
          this.#close();
          return sent;
        }
        if (deadline === undefined || Date.now() >= deadline) return sent;
        Atomics.wait(pause, 0, 0, 1);
      }
    }
    return sent;
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#armed = false;
  }

  #close(): void {
    this.#closed = true;
    open.delete(this);
    this.#disarm();
    this.#backlog = [];
    this.#backlogBytes = 0;
    this.#used = 0;
  }
}
