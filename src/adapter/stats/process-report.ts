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
 * `start()` switches on the event-loop delay histogram and a GC observer; `stop()` switches
 * them off. Both cost nothing per request.
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

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export class ProcessMonitor {
  readonly #startedAt: number;
  #delay: IntervalHistogram | undefined;
  #gcObserver: PerformanceObserver | undefined;
  #eluBaseline: EventLoopUtilization | undefined;
  #gcCount = 0;
  #gcTotalMs = 0;
  #lastGcAt = 0;

  /** `startedAt`: when Olla started (epoch ms), for the uptime. */
  constructor(startedAt: number) {
    this.#startedAt = startedAt;
  }

  start(): void {
    if (this.#delay) return;
    this.#delay = monitorEventLoopDelay({ resolution: 20 });
    this.#delay.enable();
    this.#eluBaseline = performance.eventLoopUtilization();
    this.#gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.#gcCount++;
        this.#gcTotalMs += entry.duration;
        this.#lastGcAt = performance.timeOrigin + entry.startTime;
      }
    });
    this.#gcObserver.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
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
