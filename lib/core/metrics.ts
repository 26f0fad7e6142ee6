/** One version's Lambda metrics for one period. Percentiles are absent when the period had no invocations. */
export interface ArmStats {
  readonly invocations: number;
  readonly errors: number;
  readonly throttles: number;
  readonly p50?: number | undefined;
  readonly p90?: number | undefined;
  readonly p99?: number | undefined;
  /**
   * Requests slower than each sequential latency check's objective, keyed by the check's name;
   * absent when the source cannot count them.
   */
  readonly slow?: Readonly<Record<string, number>> | undefined;
  /** Custom SLI values for the period, keyed by the check's name. */
  readonly custom?: Readonly<Record<string, number>> | undefined;
}

/** Both versions over one period `[start, end)`, epoch milliseconds. */
export interface Period {
  readonly start: number;
  readonly end: number;
  readonly canary: ArmStats;
  readonly baseline: ArmStats;
}

/**
 * What the metrics source saw since the release started, complete periods only.
 * A provider failure is data, not an exception: the policy's consecutive-error limit judges it.
 */
export type Observation =
  | { readonly ok: true; readonly periods: readonly Period[] }
  | { readonly ok: false; readonly error: string };

export type Percentile = 'p50' | 'p90' | 'p99';

/** Sums counts; percentiles are invocation-weighted means of the periods' values (an approximation CloudWatch's per-period percentiles force). */
export function aggregateArm(arms: readonly ArmStats[]): ArmStats {
  let invocations = 0;
  let errors = 0;
  let throttles = 0;
  let slow: Record<string, number> | undefined;
  const weighted: Record<Percentile, { sum: number; weight: number }> = {
    p50: { sum: 0, weight: 0 },
    p90: { sum: 0, weight: 0 },
    p99: { sum: 0, weight: 0 },
  };
  for (const arm of arms) {
    invocations += arm.invocations;
    errors += arm.errors;
    throttles += arm.throttles;
    if (arm.slow !== undefined) {
      slow ??= {};
      for (const [name, count] of Object.entries(arm.slow)) slow[name] = (slow[name] ?? 0) + count;
    }
    for (const key of ['p50', 'p90', 'p99'] as const) {
      const value = arm[key];
      if (value !== undefined && arm.invocations > 0) {
        weighted[key].sum += value * arm.invocations;
        weighted[key].weight += arm.invocations;
      }
    }
  }
  const mean = (key: Percentile) => (weighted[key].weight > 0 ? weighted[key].sum / weighted[key].weight : undefined);
  return { invocations, errors, throttles, p50: mean('p50'), p90: mean('p90'), p99: mean('p99'), ...(slow === undefined ? {} : { slow }) };
}

/** Periods that overlap `[from, to)`. */
export function periodsBetween(periods: readonly Period[], from: number, to = Number.POSITIVE_INFINITY): Period[] {
  return periods.filter((period) => period.end > from && period.start < to);
}
