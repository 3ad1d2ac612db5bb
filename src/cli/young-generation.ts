/**
 * V8's young generation starts with 1 MB semi-spaces and grows them to 16 MB, never to shrink
 * back. A nursery grown during start-up, or by a burst of streams opening, is resident for as long
 * as the process lives: some 10 MB of an idle Olla, and a third of what each of 1,000 held streams
 * appeared to cost. Held small under heavy load, though, it costs dearly: at 64 connections 1, 2
 * and 4 MB semi-spaces all cost some 60 % more CPU per request than V8's own sizing (requests in
 * flight outlive two scavenges and are promoted, and the old generation fills).
 *
 * So Olla holds the nursery at its starting size until the collections show heavy load
 * (LOAD_SCAVENGES_PER_SECOND, some 50 MB a second allocated), then gives V8 back its own growth.
 * The heap's sizes are fixed once V8 is running, so `--max-semi-space-size` cannot be set from
 * here; the growth factor is read each time the nursery would grow, so it can. A semi-space flag
 * on the command line or in NODE_OPTIONS is the user's choice and is left alone.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { userGaveFlag } from './user-flags.js';

const SEMI_SPACE_FLAG = /--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/;
/** V8's own default. */
const DEFAULT_GROWTH_FACTOR = 2;
/** Scavenges within one second that count as heavy load: 1 MB semi-spaces filling this often. */
export const LOAD_SCAVENGES_PER_SECOND = 50;

/** True when the process was started with a flag of its own for the young generation. */
export function userSizedYoungGeneration(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return userGaveFlag(SEMI_SPACE_FLAG, execArgv, nodeOptions);
}

const userSized = () => userSizedYoungGeneration(process.execArgv, process.env.NODE_OPTIONS);

/** Keeps the young generation at its starting size, unless the user sized it. */
export function holdYoungGeneration(): void {
  if (!userSized()) setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Counts scavenges in one-second windows (from their start times, ms) and says when a window
 * has reached `threshold`.
 */
export class LoadWindow {
  readonly #threshold: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #count = 0;

  constructor(threshold = LOAD_SCAVENGES_PER_SECOND) {
    this.#threshold = threshold;
  }

  /** Records one scavenge; true once `threshold` of them fell within a second. */
  scavenged(atMs: number): boolean {
    if (atMs - this.#windowStart >= 1000) {
      this.#windowStart = atMs;
      this.#count = 0;
    }
    return ++this.#count >= this.#threshold;
  }
}

/**
 * Gives V8 back its own growth of the young generation once the scavenges show heavy load.
 * Called after start-up, whose own burst of allocation is not that load.
 */
export function releaseYoungGenerationUnderLoad(): void {
  if (userSized()) return;
  const window = new LoadWindow();
  const watcher = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as { detail?: { kind?: number } };
      if (detail?.kind !== constants.NODE_PERFORMANCE_GC_MINOR || !window.scavenged(entry.startTime)) continue;
      setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
      watcher.disconnect();
      return;
    }
  });
  watcher.observe({ entryTypes: ['gc'] });
}
