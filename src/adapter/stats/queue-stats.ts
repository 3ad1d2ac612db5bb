import type { QueueObserver, QueueRejection } from '../admission/admission-queue.js';
import { HistogramCell } from '../metrics/collected-metric.js';

/** Upper bounds of `olla_queue_wait_seconds`: from a blink to the longest sensible max_wait. */
export const QUEUE_WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

/** Per-model groups kept at most; later ones are folded into `other`, so names cannot grow memory. */
const MAX_GROUPS = 100;
const OTHER = 'other';

interface GroupCounts {
  queued: number;
  rejected: number;
  waitSumMs: number;
}

export interface QueueGroupReport {
  queued: number;
  rejected: number;
  average_wait_ms: number;
}

/** What the admission queue did: waits (only requests that actually queued) and refusals. */
export class QueueStats implements QueueObserver {
  readonly wait = new HistogramCell(QUEUE_WAIT_BUCKETS.length);
  readonly rejections: Record<QueueRejection, number> = { full: 0, timeout: 0, disabled: 0 };
  readonly #groups = new Map<string, GroupCounts>();

  admitted(group: string, waitedMs: number): void {
    if (waitedMs <= 0) return;
    this.wait.observe(QUEUE_WAIT_BUCKETS, waitedMs / 1000);
    const counts = this.#group(group);
    counts.queued++;
    counts.waitSumMs += waitedMs;
  }

  rejected(group: string, reason: QueueRejection): void {
    this.rejections[reason]++;
    this.#group(group).rejected++;
  }

  /** model → counts, for `/internal/stats/models`. */
  byModel(): Record<string, QueueGroupReport> {
    const out: Record<string, QueueGroupReport> = {};
    for (const [name, c] of this.#groups) {
      out[name || 'none'] = {
        queued: c.queued,
        rejected: c.rejected,
        average_wait_ms: c.queued > 0 ? Math.round(c.waitSumMs / c.queued) : 0,
      };
    }
    return out;
  }

  #group(name: string): GroupCounts {
    let counts = this.#groups.get(name);
    if (counts === undefined) {
      const key = this.#groups.size >= MAX_GROUPS ? OTHER : name;
      counts = this.#groups.get(key) ?? { queued: 0, rejected: 0, waitSumMs: 0 };
      this.#groups.set(key, counts);
    }
    return counts;
  }
}
