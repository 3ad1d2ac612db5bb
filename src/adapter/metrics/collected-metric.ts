import type { Metric, Registry } from 'prom-client';

/**
 * A metric whose samples are produced when Prometheus scrapes rather than updated per request.
 * prom-client's registry only asks a metric for its name and `get()`, so Olla's own cheap
 * counters (and gauges read from the repository or selector) are exposed without a prom-client
 * update on the proxy's hot path.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export type Labels = Record<string, string | number>;

export interface Sample {
  value: number;
  labels: Labels;
  /** For histogram series: `<name>_bucket`, `_sum`, `_count`. */
  metricName?: string;
}

/** One such metric: what it is called and how its samples are read. */
export interface CollectedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  collect(out: Sample[]): void;
}

/** Where collected metrics are declared (OllaMetrics), before or after its registry exists. */
export interface CollectedMetrics {
  add(metric: CollectedMetric): void;
}

export function registerCollected(registry: Registry, { name, help, type, collect }: CollectedMetric): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => {
      const values: Sample[] = [];
      collect(values);
      return { name, help, type, values, aggregator: 'sum' };
    },
  };
  // The registry's contract is structural (name + get); prom-client's types only name its classes.
  registry.registerMetric(metric as unknown as Metric);
}

/** Cumulative bucket counts for fixed upper bounds, plus sum and count; observing allocates nothing. */
export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bucketCount: number) {
    this.counts = new Float64Array(bucketCount);
  }

  observe(bounds: readonly number[], value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  /** Appends the `_bucket` (cumulative, ending at `+Inf`), `_sum` and `_count` samples. */
  export(out: Sample[], name: string, bounds: readonly number[], labels: Labels): void {
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += this.counts[i]!;
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bounds[i]! }, value: cumulative });
    }
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: this.count });
    out.push({ metricName: `${name}_sum`, labels, value: this.sum });
    out.push({ metricName: `${name}_count`, labels, value: this.count });
  }
}
