/** Memory and handle readings for the leak checks, taken after a full collection when one is exposed. */

const gc = (globalThis as { gc?: () => void }).gc;

/** Whether readings come after a forced collection (vitest runs the stress files with --expose-gc). */
export const collectsGarbage = gc !== undefined;

function collect(): void {
  // Twice: the first pass queues finalisers whose objects the second one frees.
  gc?.();
  gc?.();
}

/** JavaScript heap in use plus Buffer memory, in bytes: what a proxy that hoards bytes would grow. */
export function heapAndBuffers(): number {
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

export interface ProcessReading {
  rss: number;
  heapAndBuffers: number;
  /** Active handles and requests by type (`TCPSocketWrap`, `Timeout`, …). */
  resources: Map<string, number>;
  resourceTotal: number;
}

export function readProcess(): ProcessReading {
  collect();
  const usage = process.memoryUsage();
  const resources = new Map<string, number>();
  const active = process.getActiveResourcesInfo();
  for (const type of active) resources.set(type, (resources.get(type) ?? 0) + 1);
  return {
    rss: usage.rss,
    heapAndBuffers: usage.heapUsed + usage.arrayBuffers,
    resources,
    resourceTotal: active.length,
  };
}

export function describeResources(reading: ProcessReading): string {
  return [...reading.resources]
    .sort()
    .map(([type, n]) => `${type}=${n}`)
    .join(' ');
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
