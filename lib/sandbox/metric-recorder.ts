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

/** One series and its buckets, as plain data: what `snapshot` and `takeChanges` give and `merge` takes. */
export interface SeriesRecord {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
  /** [bucket start in epoch seconds, bucket] */
  readonly buckets: readonly (readonly [number, Bucket])[];
}

export interface MetricRecorderOptions {
  readonly periodSeconds: number;
  /** @default 6 hours */
  readonly retentionMs?: number | undefined;
  readonly clock: { now(): number };
  /** Also keep what was recorded since the last `takeChanges`, for a journal on disk. @default false */
  readonly trackChanges?: boolean | undefined;
}

interface Series {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
  readonly buckets: Map<number, Bucket>;
}

const SIX_HOURS_MS = 6 * 3_600_000;

export class MetricRecorder {
  readonly periodSeconds: number;
  private readonly retentionMs: number;
  private readonly clock: { now(): number };
  /** Series key → the series, its buckets by start (epoch seconds). */
  private readonly series = new Map<string, Series>();
  /** The same, for what was recorded since the last `takeChanges`; absent unless asked for. */
  private changes: Map<string, Series> | undefined;
  private lastPrunedAt = Number.NEGATIVE_INFINITY;

  constructor(options: MetricRecorderOptions) {
    this.periodSeconds = options.periodSeconds;
    this.retentionMs = options.retentionMs ?? SIX_HOURS_MS;
    this.clock = options.clock;
    if (options.trackChanges) this.changes = new Map();
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
    return this.series.get(seriesKey(namespace, metricName, dimensions))?.buckets;
  }

  /** Every bucket within the retention. */
  snapshot(): SeriesRecord[] {
    this.prune(true);
    return records(this.series);
  }

  /**
   * What was recorded since the last call, as partial buckets: merging every batch in order
   * gives the same buckets as recording, even when a late invocation lands in an older bucket.
   */
  takeChanges(): SeriesRecord[] {
    if (!this.changes) throw new Error('this recorder does not track changes: pass trackChanges');
    const taken = records(this.changes);
    this.changes = new Map();
    return taken;
  }

  /** Adds recorded buckets (a snapshot, or batches of changes) to this recorder's, then drops what is past the retention. */
  merge(batch: readonly SeriesRecord[]): void {
    for (const record of batch) {
      const key = seriesKey(record.namespace, record.metricName, record.dimensions);
      for (const [start, bucket] of record.buckets) mergeInto(seriesOf(this.series, key, record), start, bucket);
    }
    this.prune(true);
  }

  /** The bucket start (epoch seconds) that holds `at` (epoch ms). */
  bucketOf(at: number): number {
    return Math.floor(at / 1000 / this.periodSeconds) * this.periodSeconds;
  }

  private put(metric: LambdaMetric, dimensions: readonly Dimension[], at: number, value: number): void {
    const key = seriesKey(LAMBDA_NAMESPACE, metric, dimensions);
    const start = this.bucketOf(at);
    const spec = { namespace: LAMBDA_NAMESPACE, metricName: metric, dimensions };
    const one = (): Bucket => ({ count: 1, sum: value, min: value, max: value, ...(metric === 'Duration' ? { samples: [value] } : {}) });
    mergeInto(seriesOf(this.series, key, spec), start, one());
    if (this.changes) mergeInto(seriesOf(this.changes, key, spec), start, one());
  }

  /** Drops buckets past the retention, at most once per period so recording stays cheap. */
  private prune(force = false): void {
    const now = this.clock.now();
    if (!force && now - this.lastPrunedAt < this.periodSeconds * 1000) return;
    this.lastPrunedAt = now;
    const oldest = this.bucketOf(now - this.retentionMs);
    for (const [key, { buckets }] of this.series) {
      for (const start of buckets.keys()) if (start < oldest) buckets.delete(start);
      if (buckets.size === 0) this.series.delete(key);
    }
  }
}

function seriesOf(map: Map<string, Series>, key: string, spec: Omit<Series, 'buckets'>): Series {
  let series = map.get(key);
  if (!series) map.set(key, (series = { namespace: spec.namespace, metricName: spec.metricName, dimensions: [...spec.dimensions], buckets: new Map() }));
  return series;
}

/** Count and sum add up, min and max hold, samples join: merging is the same as having recorded both. */
function mergeInto(series: Series, start: number, bucket: Readonly<Bucket>): void {
  const into = series.buckets.get(start);
  if (!into) {
    series.buckets.set(start, { ...bucket, ...(bucket.samples ? { samples: [...bucket.samples] } : {}) });
    return;
  }
  into.count += bucket.count;
  into.sum += bucket.sum;
  into.min = Math.min(into.min, bucket.min);
  into.max = Math.max(into.max, bucket.max);
  if (bucket.samples) (into.samples ??= []).push(...bucket.samples);
}

function records(map: ReadonlyMap<string, Series>): SeriesRecord[] {
  return [...map.values()].map((series) => ({
    namespace: series.namespace,
    metricName: series.metricName,
    dimensions: series.dimensions,
    buckets: [...series.buckets].sort(([a], [b]) => a - b),
  }));
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
