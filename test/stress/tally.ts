/** Counts what a stress run saw and prints it, so every run says what it proved. */
import type { Outcome } from './client.js';

export class Tally {
  readonly title: string;
  sent = 0;
  succeeded = 0;
  readonly #latenciesMs: number[] = [];
  readonly #byReason = new Map<string, number>();
  readonly #extra = new Map<string, string | number>();

  constructor(title: string) {
    this.title = title;
  }

  add(outcome: Outcome): void {
    this.sent++;
    this.#latenciesMs.push(outcome.endedAt - outcome.startedAt);
    if (outcome.kind === 'ok') {
      this.succeeded++;
      return;
    }
    const reason = outcome.kind === 'http-error' ? `http ${outcome.status}` : outcome.kind;
    this.count(reason);
  }

  /** Bumps a named counter (a failure reason or anything else worth printing). */
  count(reason: string, by = 1): void {
    this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + by);
  }

  reason(reason: string): number {
    return this.#byReason.get(reason) ?? 0;
  }

  /** A figure printed after the counts (retries seen in the logs, RSS, …). */
  note(name: string, value: string | number): void {
    this.#extra.set(name, value);
  }

  /** The latency below which `fraction` of the requests finished (1 gives the slowest). */
  latencyMs(fraction: number): number {
    const sorted = [...this.#latenciesMs].sort((a, b) => a - b);
    return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
  }

  print(): void {
    const ms = (fraction: number) => this.latencyMs(fraction).toFixed(0);
    const lines = [
      `── stress: ${this.title}`,
      `   sent ${this.sent}, succeeded ${this.succeeded}; latency p50 ${ms(0.5)} ms, p99 ${ms(0.99)} ms, max ${ms(1)} ms`,
    ];
    for (const [reason, n] of [...this.#byReason].sort()) lines.push(`   ${reason}: ${n}`);
    for (const [name, value] of this.#extra) lines.push(`   ${name}: ${value}`);
    console.log(lines.join('\n'));
  }
}

/**
 * Runs `total` tasks with at most `concurrency` in flight; `task(i)` gets the task's index.
 * Resolves once every task has settled.
 */
export async function runPool(
  total: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from its printed seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The seed for this run: `OLLA_STRESS_SEED` when set, else a fresh one (printed by the run). */
export function runSeed(): number {
  const fromEnv = Number(process.env.OLLA_STRESS_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31) + 1;
}
