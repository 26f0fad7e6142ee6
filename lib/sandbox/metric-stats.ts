/**
 * CloudWatch statistics over merged period buckets. Percentiles use the nearest-rank method,
 * close enough to CloudWatch's for a sandbox: p99 of 1..100 ms is 99 ms.
 */
import type { Bucket } from './metric-recorder.js';

const BASIC = ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'] as const;
type BasicStatistic = (typeof BASIC)[number];

export type Statistic =
  | { readonly kind: BasicStatistic }
  | { readonly kind: 'percentile'; readonly p: number }
  /** Percentile rank: the percent of datapoints in (lower, upper]; an absent bound is open. */
  | { readonly kind: 'rank'; readonly lower?: number | undefined; readonly upper?: number | undefined };

const isBasic = (stat: string): stat is BasicStatistic => (BASIC as readonly string[]).includes(stat);
const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?|100)$/;
const RANK = /^PR\((\d+(?:\.\d+)?)?:(\d+(?:\.\d+)?)?\)$/;

/** Parses `Sum`, `p99`, `p99.9`, `PR(300:)`, `PR(100:2000)`, …; undefined for statistics the sandbox does not compute (tm99, IQM, …). */
export function parseStatistic(stat: string): Statistic | undefined {
  if (isBasic(stat)) return { kind: stat };
  const rank = RANK.exec(stat);
  if (rank) {
    const [lower, upper] = [rank[1], rank[2]].map((bound) => (bound === undefined ? undefined : Number(bound)));
    if (lower === undefined && upper === undefined) return undefined;
    return lower !== undefined && upper !== undefined && upper <= lower ? undefined : { kind: 'rank', lower, upper };
  }
  const match = PERCENTILE.exec(stat);
  if (!match?.[1]) return undefined;
  const p = Number(match[1]);
  return p > 0 && p <= 100 ? { kind: 'percentile', p } : undefined;
}

export function mergeBuckets(buckets: readonly Readonly<Bucket>[]): Bucket {
  const merged: Bucket = { count: 0, sum: 0, min: Infinity, max: -Infinity };
  for (const bucket of buckets) {
    merged.count += bucket.count;
    merged.sum += bucket.sum;
    merged.min = Math.min(merged.min, bucket.min);
    merged.max = Math.max(merged.max, bucket.max);
    if (bucket.samples) (merged.samples ??= []).push(...bucket.samples);
  }
  return merged;
}

export function computeStatistic(stat: Statistic, bucket: Readonly<Bucket>): number {
  switch (stat.kind) {
    case 'Sum': return bucket.sum;
    case 'SampleCount': return bucket.count;
    case 'Average': return bucket.sum / bucket.count;
    case 'Minimum': return bucket.min;
    case 'Maximum': return bucket.max;
    case 'percentile': return percentile(stat.p, bucket);
    case 'rank': return rank(stat.lower ?? -Infinity, stat.upper ?? Infinity, bucket);
  }
}

/** As CloudWatch: exclusive of the lower bound, inclusive of the upper, in percent. */
function rank(lower: number, upper: number, bucket: Readonly<Bucket>): number {
  if (bucket.count === 0) return 0;
  const within = (value: number) => value > lower && value <= upper;
  if (bucket.samples) return (100 * bucket.samples.filter(within).length) / bucket.count;
  // Count metrics keep no samples: `sum` datapoints are 1 and the rest 0.
  const ones = bucket.sum;
  return (100 * ((within(1) ? ones : 0) + (within(0) ? bucket.count - ones : 0))) / bucket.count;
}

function percentile(p: number, bucket: Readonly<Bucket>): number {
  const rank = Math.max(1, Math.ceil((p / 100) * bucket.count));
  if (bucket.samples) return [...bucket.samples].sort((a, b) => a - b)[rank - 1] ?? bucket.max;
  // Count metrics keep no samples: each datapoint is 0 or 1, so `sum` of them are 1.
  const zeros = bucket.count - bucket.sum;
  return rank <= zeros ? bucket.min : bucket.max;
}
