/**
 * Records the AWS/Lambda metrics of sandbox invocations per period bucket and per dimension
 * set, as Lambda publishes them: every invocation under {FunctionName}; a qualified one also
 * under {FunctionName, Resource}; an alias invocation also under
 * {FunctionName, Resource, ExecutedVersion}. CloudWatch matches the whole dimension set, so a
 * query must name exactly one of those sets.
 */
export const LAMBDA_NAMESPACE = 'AWS/Lambda';

export type LambdaMetric = 'Invocations' | 'Errors' | 'Throttles' | 'Duration';

export const METRIC_UNITS: Record<LambdaMetric, string> = {
  Invocations: 'Count',
  Errors: 'Count',
  Throttles: 'Count',
  Duration: 'Milliseconds',
};

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

/** One series' datapoints in one period. `samples` is kept for Duration only. */
export interface Bucket {
  count: number;
  sum: number;
  min: number;
  max: number;
  samples?: number[];
}

/** Which dimension sets an invocation lands in. `resource` is `fn:qualifier` when a qualifier was given. */
export interface InvocationDimensions {
  readonly functionName: string;
  readonly resource?: string | undefined;
  readonly executedVersion?: string | undefined;
}

export interface MetricRecorderOptions {
  readonly periodSeconds: number;
  /** @default 6 hours */
  readonly retentionMs?: number | undefined;
  readonly clock: { now(): number };
}

const SIX_HOURS_MS = 6 * 3_600_000;

export class MetricRecorder {
  readonly periodSeconds: number;
  private readonly retentionMs: number;
  private readonly clock: { now(): number };
  /** Series key → bucket start (epoch seconds) → bucket. */
  private readonly series = new Map<string, Map<number, Bucket>>();
  private lastPrunedAt = Number.NEGATIVE_INFINITY;

  constructor(options: MetricRecorderOptions) {
    this.periodSeconds = options.periodSeconds;
    this.retentionMs = options.retentionMs ?? SIX_HOURS_MS;
    this.clock = options.clock;
  }

  /** Errors is published for every invocation, 0 or 1, so its SampleCount equals Invocations. */
  recordInvocation(dimensions: InvocationDimensions, at: number, durationMs: number, failed: boolean): void {
    for (const set of dimensionSets(dimensions)) {
      this.put('Invocations', set, at, 1);
      this.put('Errors', set, at, failed ? 1 : 0);
      this.put('Duration', set, at, durationMs);
    }
    this.prune();
  }

  /** A throttled request never runs: it counts in Throttles, not in Invocations. */
  recordThrottle(dimensions: InvocationDimensions, at: number): void {
    for (const set of dimensionSets(dimensions)) this.put('Throttles', set, at, 1);
    this.prune();
  }

  /** The buckets of one series, or undefined when nothing was recorded under that exact dimension set. */
  buckets(namespace: string, metricName: string, dimensions: readonly Dimension[]): ReadonlyMap<number, Readonly<Bucket>> | undefined {
    return this.series.get(seriesKey(namespace, metricName, dimensions));
  }

  /** The bucket start (epoch seconds) that holds `at` (epoch ms). */
  bucketOf(at: number): number {
    return Math.floor(at / 1000 / this.periodSeconds) * this.periodSeconds;
  }

  private put(metric: LambdaMetric, dimensions: readonly Dimension[], at: number, value: number): void {
    const key = seriesKey(LAMBDA_NAMESPACE, metric, dimensions);
    let buckets = this.series.get(key);
    if (!buckets) this.series.set(key, (buckets = new Map<number, Bucket>()));
    const start = this.bucketOf(at);
    const bucket = buckets.get(start);
    if (!bucket) {
      buckets.set(start, { count: 1, sum: value, min: value, max: value, ...(metric === 'Duration' ? { samples: [value] } : {}) });
      return;
    }
    bucket.count += 1;
    bucket.sum += value;
    bucket.min = Math.min(bucket.min, value);
    bucket.max = Math.max(bucket.max, value);
    bucket.samples?.push(value);
  }

  /** Drops buckets past the retention, at most once per period so recording stays cheap. */
  private prune(): void {
    const now = this.clock.now();
    if (now - this.lastPrunedAt < this.periodSeconds * 1000) return;
    this.lastPrunedAt = now;
    const oldest = this.bucketOf(now - this.retentionMs);
    for (const [key, buckets] of this.series) {
      for (const start of buckets.keys()) if (start < oldest) buckets.delete(start);
      if (buckets.size === 0) this.series.delete(key);
    }
  }
}

function dimensionSets({ functionName, resource, executedVersion }: InvocationDimensions): Dimension[][] {
  const sets: Dimension[][] = [[{ Name: 'FunctionName', Value: functionName }]];
  if (resource !== undefined) {
    sets.push([{ Name: 'FunctionName', Value: functionName }, { Name: 'Resource', Value: resource }]);
    if (executedVersion !== undefined) {
      sets.push([
        { Name: 'FunctionName', Value: functionName },
        { Name: 'Resource', Value: resource },
        { Name: 'ExecutedVersion', Value: executedVersion },
      ]);
    }
  }
  return sets;
}

/** Dimension order does not matter to CloudWatch, so the key sorts them. */
function seriesKey(namespace: string, metricName: string, dimensions: readonly Dimension[]): string {
  const dims = [...dimensions].sort((a, b) => a.Name.localeCompare(b.Name)).map((d) => `${d.Name}=${d.Value}`);
  return JSON.stringify([namespace, metricName, ...dims]);
}
