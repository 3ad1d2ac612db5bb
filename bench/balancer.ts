/**
 * Selections per second for each balancer over 3, 10 and 100 endpoints.
 * Run with `npm run bench:balancer` (or `npx tsx bench/balancer.ts`).
 */

import { BALANCER_NAMES, createBalancer } from '../src/adapter/balancer/factory.js';
import { fakeEndpoint } from '../src/core/domain/endpoint.fixture.js';
import type { Endpoint, EndpointStatus } from '../src/core/domain/endpoint.js';
import type { EndpointSelector } from '../src/core/ports/balancer.js';

const SIZES = [3, 10, 100] as const;
const WARM_UP_MS = 200;
const MEASURE_MS = 1000;
const BATCH = 1000;

/** A realistic mix: mostly healthy, some busy, a few down, two priority tiers. */
function fleet(size: number): Endpoint[] {
  const statuses: EndpointStatus[] = ['healthy', 'healthy', 'healthy', 'busy', 'offline'];
  return Array.from({ length: size }, (_, i) =>
    fakeEndpoint({
      name: `node-${i}`,
      url: `http://node-${i}:11434`,
      priority: i % 2 === 0 ? 100 : 50,
      status: statuses[i % statuses.length] ?? 'healthy',
    }),
  );
}

/** Selects (with acquire/release, as the proxy does) for `durationMs`; answers selections made. */
function run(selector: EndpointSelector, candidates: readonly Endpoint[], durationMs: number): [number, bigint] {
  let selections = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(durationMs) * 1_000_000n;
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < BATCH; i++) {
      const picked = selector.select(candidates);
      if (picked !== undefined) {
        selector.acquire(picked);
        selector.release(picked);
      }
    }
    selections += BATCH;
    now = process.hrtime.bigint();
  }
  return [selections, now - started];
}

const header = ['balancer', 'endpoints', 'selections/s', 'ns/op'];
const rows: string[][] = [];
for (const name of BALANCER_NAMES) {
  for (const size of SIZES) {
    const selector = createBalancer(name);
    const candidates = fleet(size);
    run(selector, candidates, WARM_UP_MS);
    const [selections, elapsedNs] = run(selector, candidates, MEASURE_MS);
    const nsPerOp = Number(elapsedNs) / selections;
    rows.push([name, String(size), Math.round(1e9 / nsPerOp).toLocaleString('en-AU'), nsPerOp.toFixed(1)]);
  }
}
printTable(header, rows);

/** Left-aligned names, right-aligned numbers. */
function printTable(head: string[], body: string[][]): void {
  const widths = head.map((title, column) => Math.max(title.length, ...body.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  console.log('select + acquire + release per op');
  console.log(line(head));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of body) console.log(line(row));
}
