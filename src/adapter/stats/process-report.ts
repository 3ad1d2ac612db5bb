import { cpus } from 'node:os';
import {
  type EventLoopUtilization,
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
  performance,
} from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { formatBytes, formatDuration } from './format.js';

/**
 * The body of `/internal/process`: the original's sections (memory, garbage collection, runtime)
 * in Node's terms, with the event loop standing in for goroutines: its delay percentiles and
 * utilisation say whether the proxy is keeping up, and the active handles what it holds open.
 *
 * `start()` switches on the event-loop delay probe and a GC observer; `stop()` switches them
 * off. Neither costs anything per request.
 */

export interface ProcessStatsResponse {
  timestamp: string;
  memory: {
    heap_alloc: string;
    heap_sys: string;
    heap_limit: string;
    rss: string;
    external: string;
    array_buffers: string;
    memory_pressure: string;
  };
  garbage_collection: {
    last_gc?: string;
    total_gc_time: string;
    avg_gc_pause: string;
    gc_cpu_fraction: number;
    num_gc_cycles: number;
  };
  event_loop: {
    health_status: string;
    delay_p50_ms: number;
    delay_p99_ms: number;
    delay_max_ms: number;
    utilisation: number;
  };
  handles: {
    active_handles: number;
    by_type: Record<string, number>;
  };
  runtime: {
    uptime: string;
    node_version: string;
    v8_version: string;
    platform: string;
    num_cpu: number;
    pid: number;
  };
}

/**
 * How close the heap is to V8's limit: above 90% is high, above 70% medium. Measured against the
 * limit rather than the current heap size, which V8 grows on demand and keeps nearly full.
 */
export function memoryPressure(heapUsed: number, heapLimit: number): string {
  const ratio = heapLimit > 0 ? heapUsed / heapLimit : 0;
  if (ratio > 0.9) return 'HIGH';
  if (ratio > 0.7) return 'MEDIUM';
  return 'LOW';
}

/** How late timers run at the 99th percentile: the Node analogue of the goroutine health bands. */
export function eventLoopHealth(p99DelayMs: number): string {
  if (p99DelayMs > 200) return 'CONCERNING';
  if (p99DelayMs > 50) return 'ELEVATED';
  if (p99DelayMs > 20) return 'NORMAL';
  return 'HEALTHY';
}

const NS_PER_MS = 1e6;

/** How often the delay probe's timer fires while it runs. */
const DELAY_RESOLUTION_MS = 20;
/** How often the loop's utilisation is read to decide whether the probe should run. */
export const BUSY_CHECK_MS = 1000;
/** The share of a second the loop must spend working for the delay probe to start. */
export const BUSY_UTILISATION = 0.01;
/** Checks in a row below BUSY_UTILISATION before the probe stops, so a lull keeps its samples coming. */
export const QUIET_CHECKS_BEFORE_REST = 3;

/**
 * Whether the event-loop delay probe should run, from the loop's utilisation each check. The
 * probe is a timer every 20 ms: left running, it would wake an idle Olla fifty times a second
 * (on a laptop running LM Studio, say) to measure a delay an idle loop does not have. So it runs
 * while the loop is busy and for a few quiet checks after, and the delay percentiles describe the
 * loop at work.
 */
export class DelayProbeSwitch {
  #quietChecks = QUIET_CHECKS_BEFORE_REST;

  /** Records one check's utilisation (0 to 1); true while the probe should run. */
  observe(utilisation: number): boolean {
    this.#quietChecks = utilisation >= BUSY_UTILISATION ? 0 : this.#quietChecks + 1;
    return this.#quietChecks < QUIET_CHECKS_BEFORE_REST;
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export class ProcessMonitor {
  readonly #startedAt: number;
  readonly #busyCheckMs: number;
  #delay: IntervalHistogram | undefined;
  #busyCheck: NodeJS.Timeout | undefined;
  #gcObserver: PerformanceObserver | undefined;
  #eluBaseline: EventLoopUtilization | undefined;
  #eluAtCheck: EventLoopUtilization | undefined;
  #probing = false;
  #gcCount = 0;
  #gcTotalMs = 0;
  #lastGcAt = 0;

  /** `startedAt`: when Olla started (epoch ms), for the uptime. */
  constructor(startedAt: number, busyCheckMs = BUSY_CHECK_MS) {
    this.#startedAt = startedAt;
    this.#busyCheckMs = busyCheckMs;
  }

  start(): void {
    if (this.#delay) return;
    const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
    this.#delay = delay;
    this.#eluBaseline = performance.eventLoopUtilization();
    this.#eluAtCheck = this.#eluBaseline;
    const probe = new DelayProbeSwitch();
    // Unref'd, as the probe's own timer is: monitoring never keeps the process alive.
    this.#busyCheck = setInterval(() => {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, this.#eluAtCheck);
      this.#eluAtCheck = now;
      this.#probing = probe.observe(utilization);
      if (this.#probing) delay.enable();
      else delay.disable();
    }, this.#busyCheckMs).unref();
    this.#gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.#gcCount++;
        this.#gcTotalMs += entry.duration;
        this.#lastGcAt = performance.timeOrigin + entry.startTime;
      }
    });
    this.#gcObserver.observe({ entryTypes: ['gc'] });
  }

  /** Whether the delay probe is running now. */
  get probing(): boolean {
    return this.#probing;
  }

  stop(): void {
    clearInterval(this.#busyCheck);
    this.#probing = false;
    this.#delay?.disable();
    this.#delay = undefined;
    this.#gcObserver?.disconnect();
    this.#gcObserver = undefined;
  }

  report(now: number = Date.now()): ProcessStatsResponse {
    const mem = process.memoryUsage();
    const heapLimit = getHeapStatistics().heap_size_limit;
    const uptimeMs = now - this.#startedAt;
    const delay = this.#delay;
    const p99 = delay && delay.count > 0 ? delay.percentile(99) / NS_PER_MS : 0;
    const resources = process.getActiveResourcesInfo();
    const byType: Record<string, number> = {};
    for (const kind of resources) byType[kind] = (byType[kind] ?? 0) + 1;

    return {
      timestamp: new Date(now).toISOString(),
      memory: {
        heap_alloc: formatBytes(mem.heapUsed),
        heap_sys: formatBytes(mem.heapTotal),
        heap_limit: formatBytes(heapLimit),
        rss: formatBytes(mem.rss),
        external: formatBytes(mem.external),
        array_buffers: formatBytes(mem.arrayBuffers),
        memory_pressure: memoryPressure(mem.heapUsed, heapLimit),
      },
      garbage_collection: {
        ...(this.#lastGcAt > 0 ? { last_gc: new Date(this.#lastGcAt).toISOString() } : {}),
        total_gc_time: formatDuration(this.#gcTotalMs),
        avg_gc_pause: this.#gcCount > 0 ? formatDuration(this.#gcTotalMs / this.#gcCount) : 'N/A',
        gc_cpu_fraction: uptimeMs > 0 ? this.#gcTotalMs / uptimeMs : 0,
        num_gc_cycles: this.#gcCount,
      },
      event_loop: {
        health_status: eventLoopHealth(p99),
        delay_p50_ms: delay && delay.count > 0 ? round2(delay.percentile(50) / NS_PER_MS) : 0,
        delay_p99_ms: round2(p99),
        delay_max_ms: delay && delay.count > 0 ? round2(delay.max / NS_PER_MS) : 0,
        utilisation: round2(performance.eventLoopUtilization(this.#eluBaseline).utilization),
      },
      handles: { active_handles: resources.length, by_type: byType },
      runtime: {
        uptime: formatDuration(uptimeMs),
        node_version: process.version,
        v8_version: process.versions.v8,
        platform: `${process.platform}/${process.arch}`,
        num_cpu: cpus().length,
        pid: process.pid,
      },
    };
  }
}
