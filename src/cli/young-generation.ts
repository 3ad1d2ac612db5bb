/**
 * V8's young generation starts with 1 MB semi-spaces and grows them to 16 MB, never to shrink
 * back. A nursery grown during start-up, or by a burst of streams opening, is resident for as long
 * as the process lives: some 10 MB of an idle Olla, and a third of what each of 1,000 held streams
 * appeared to cost. Held small under heavy load, though, it costs dearly: at 64 connections 1, 2
 * and 4 MB semi-spaces all cost some 60 % more CPU per request than V8's own sizing (requests in
 * flight outlive two scavenges and are promoted, and the old generation fills).
 *
 * So Olla holds the nursery at its starting size until the collections show heavy load, then
 * gives V8 back its own growth. Heavy load shows in either of two ways: many scavenges
 * (LOAD_SCAVENGES_PER_SECOND, some 50 MB a second allocated), or many full collections
 * (LOAD_MARK_COMPACTS_PER_SECOND). Large request bodies bring the second: a 10 MB body arrives
 * in 64 KB buffers that outlive two scavenges of a small nursery while the request runs, so they
 * are promoted, and full collections follow to free them. At 4 connections of 10 MB bodies that
 * was 23 full collections a second beside 20 scavenges; with the nursery let go at 10 a second,
 * 15 of them, and 14 % less CPU a request.
 *
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
/** Full collections within one second that count as heavy load; an idle or lightly used Olla has next to none. */
export const LOAD_MARK_COMPACTS_PER_SECOND = 10;

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
 * Counts collections in one-second windows (from their start times, ms) and says when a window
 * has reached `threshold`.
 */
export class LoadWindow {
  readonly #threshold: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #count = 0;

  constructor(threshold: number) {
    this.#threshold = threshold;
  }

  /** Records one collection; true once `threshold` of them fell within a second. */
  collected(atMs: number): boolean {
    if (atMs - this.#windowStart >= 1000) {
      this.#windowStart = atMs;
      this.#count = 0;
    }
    return ++this.#count >= this.#threshold;
  }
}

/** Whether the collections seen so far show heavy load: too many scavenges, or too many full ones. */
export class HeavyLoad {
  readonly #scavenges = new LoadWindow(LOAD_SCAVENGES_PER_SECOND);
  readonly #markCompacts = new LoadWindow(LOAD_MARK_COMPACTS_PER_SECOND);

  /** Records one collection of `kind` (a `perf_hooks` GC kind) at `atMs`; true once the load is heavy. */
  collected(kind: number | undefined, atMs: number): boolean {
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) return this.#scavenges.collected(atMs);
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) return this.#markCompacts.collected(atMs);
    return false;
  }
}

/**
 * Gives V8 back its own growth of the young generation once the collections show heavy load.
 * Called after start-up, whose own burst of allocation is not that load.
 */
export function releaseYoungGenerationUnderLoad(): void {
  if (userSized()) return;
  const load = new HeavyLoad();
  const watcher = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as { detail?: { kind?: number } };
      if (!load.collected(detail?.kind, entry.startTime)) continue;
      setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
      watcher.disconnect();
      return;
    }
  });
  watcher.observe({ entryTypes: ['gc'] });
}
