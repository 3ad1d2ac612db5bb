import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUSY_UTILISATION,
  DelayProbeSwitch,
  eventLoopHealth,
  memoryPressure,
  ProcessMonitor,
  QUIET_CHECKS_BEFORE_REST,
} from './process-report.js';

const busy = BUSY_UTILISATION * 2;
const quiet = BUSY_UTILISATION / 10;
/** Long enough for the 20 ms probe to record a sample after a stall. */
const DELAY_SETTLE_MS = 50;

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DelayProbeSwitch', () => {
  it('stays off while the loop is idle, from the first check', () => {
    const probe = new DelayProbeSwitch();
    for (let i = 0; i < 20; i++) expect(probe.observe(quiet)).toBe(false);
  });

  it('runs from the first busy check and rests only after enough quiet ones', () => {
    const probe = new DelayProbeSwitch();
    expect(probe.observe(busy)).toBe(true);
    for (let i = 1; i < QUIET_CHECKS_BEFORE_REST; i++) expect(probe.observe(quiet)).toBe(true);
    expect(probe.observe(quiet)).toBe(false);
    expect(probe.observe(busy)).toBe(true);
  });

  it('runs exactly when one of the last checks was busy', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (pattern) => {
        const probe = new DelayProbeSwitch();
        pattern.forEach((wasBusy, i) => {
          const running = probe.observe(wasBusy ? busy : quiet);
          const recent = pattern.slice(Math.max(0, i - QUIET_CHECKS_BEFORE_REST + 1), i + 1);
          expect(running).toBe(recent.includes(true));
        });
      }),
    );
  });
});

describe('ProcessMonitor', () => {
  it('probes the loop delay while the loop works and rests once it is idle', async () => {
    const checkMs = 40;
    const monitor = new ProcessMonitor(Date.now(), checkMs);
    monitor.start();
    try {
      expect(monitor.probing).toBe(false);
      // Busy across a check: the loop spends most of each interval working.
      for (let i = 0; i < 6 && !monitor.probing; i++) {
        spin(checkMs * 0.8);
        await sleep(checkMs / 4);
      }
      expect(monitor.probing).toBe(true);
      spin(60);
      await sleep(DELAY_SETTLE_MS);
      expect(monitor.report().event_loop.delay_max_ms).toBeGreaterThan(0);
      // Left alone, the loop idles; a test worker's own chores may keep a check or two busy.
      for (let i = 0; i < 10 * QUIET_CHECKS_BEFORE_REST && monitor.probing; i++) await sleep(checkMs);
      expect(monitor.probing).toBe(false);
    } finally {
      monitor.stop();
    }
  });
});

describe('health bands', () => {
  it('reads memory pressure against the heap limit', () => {
    expect(memoryPressure(95, 100)).toBe('HIGH');
    expect(memoryPressure(80, 100)).toBe('MEDIUM');
    expect(memoryPressure(10, 100)).toBe('LOW');
    expect(memoryPressure(10, 0)).toBe('LOW');
  });

  it('bands the loop delay p99', () => {
    expect(eventLoopHealth(5)).toBe('HEALTHY');
    expect(eventLoopHealth(30)).toBe('NORMAL');
    expect(eventLoopHealth(100)).toBe('ELEVATED');
    expect(eventLoopHealth(500)).toBe('CONCERNING');
  });
});
