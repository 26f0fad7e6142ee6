import type { Period } from '../metrics.js';
import type { Plan } from '../plan.js';
import type { Preflight, StableTraffic } from '../preflight.js';
import type { GateFactory, GateOutcome } from './gates.js';
import { latencyQuantile, partialMinute, simulateMinute, simulateProbes, type WorldConfig } from './world.js';

const MINUTE = 60_000;

export interface RunOptions {
  readonly plan: Plan;
  readonly world: WorldConfig;
  readonly gate: GateFactory;
  readonly seed: string;
  /** Safety stop for gates that hold; a run that hits it ends `timed_out`. */
  readonly maxMinutes?: number;
}

export interface RunResult {
  readonly seed: string;
  readonly outcome: GateOutcome | 'timed_out';
  /** Whether the gate rolled back before the new version reached 100%. */
  readonly caughtBeforeFull: boolean;
  /** Minutes from the start to the rollback or pause, when the gate acted. */
  readonly decisionMinute: number | undefined;
  /** Requests the new version served before it was rolled back or reached 100%. */
  readonly canaryRequests: number;
  readonly canaryFailures: number;
  readonly minutesToFull: number | undefined;
  readonly minutes: number;
  /** What the gate forecast before starting, when it reads traffic. */
  readonly preflight?: Preflight | undefined;
}

/** The stable version's last hour as a pre-flight would read it: the world's nominal traffic. */
export function nominalTraffic(world: WorldConfig): StableTraffic {
  const requests = world.requestsPerMinute * 60;
  return {
    requestsPerMinute: world.requestsPerMinute,
    requests,
    errors: Math.round(requests * world.baseline.errorRate),
    windowMinutes: 60,
    latencyMs: { p50: latencyQuantile(world.baseline, 0.5), p90: latencyQuantile(world.baseline, 0.9), p99: latencyQuantile(world.baseline, 0.99) },
  };
}

/** One seeded run: every gate sees the same traffic for a seed until its own actions change the weight. */
export function runOnce(options: RunOptions): RunResult {
  // A gate records at the end of each minute; its probes go out in the minute that just ended.
  const probes = (at: number, pairs: number) => simulateProbes(options.world, options.seed, Math.max(0, Math.ceil(at / MINUTE) - 1), pairs);
  const gate = options.gate(options.plan, { traffic: nominalTraffic(options.world), probes });
  const slowAboveMs = gate.slowAboveMs?.() ?? {};
  const late = options.world.effects?.lateMetrics === true;
  let previous: Period | undefined;
  const maxMinutes = options.maxMinutes ?? 24 * 60;
  let canaryRequests = 0;
  let canaryFailures = 0;
  let minutesToFull: number | undefined = gate.weight() >= 100 ? 0 : undefined;
  let lastWeight = gate.weight();
  let sinceChange = 0;
  let minute = 0;
  for (; minute < maxMinutes && gate.outcome() === undefined; minute += 1) {
    const weight = gate.weight();
    if (weight !== lastWeight) {
      lastWeight = weight;
      sinceChange = 0;
    }
    const traffic = simulateMinute(options.world, options.seed, minute, weight, sinceChange, slowAboveMs);
    sinceChange += 1;
    if (minutesToFull === undefined) {
      canaryRequests += traffic.canary.invocations;
      canaryFailures += traffic.canary.errors;
    }
    const period: Period = { start: minute * MINUTE, end: (minute + 1) * MINUTE, canary: traffic.canary, baseline: traffic.baseline };
    if (late) {
      // The previous minute is now complete; this one is seen with part of its datapoints.
      if (previous !== undefined) gate.revise?.(previous);
      const partial = partialMinute(traffic, options.seed, minute);
      gate.observe({ ...period, canary: partial.canary, baseline: partial.baseline }, (minute + 1) * MINUTE);
    } else {
      gate.observe(period, (minute + 1) * MINUTE);
    }
    previous = period;
    if (minutesToFull === undefined && gate.weight() >= 100) minutesToFull = minute + 1;
  }
  const outcome = gate.outcome() ?? 'timed_out';
  const acted = outcome === 'rolled_back' || outcome === 'paused' || outcome === 'refused';
  return {
    seed: options.seed,
    outcome,
    caughtBeforeFull: outcome === 'rolled_back' && minutesToFull === undefined,
    decisionMinute: acted ? minute : undefined,
    canaryRequests,
    canaryFailures,
    minutesToFull,
    minutes: minute,
    ...(gate.preflight ? { preflight: gate.preflight } : {}),
  };
}

export interface Summary {
  readonly runs: number;
  /** Share rolled back before 100% (on healthy: the false-rollback rate). */
  readonly caught: number;
  /** Share rolled back at any time, including during verification. */
  readonly rolledBack: number;
  readonly paused: number;
  /** Share the pre-flight refused, and share still undecided at the run's safety stop. */
  readonly refused: number;
  readonly timedOut: number;
  readonly reachedFull: number;
  readonly canaryRequests: { readonly mean: number; readonly p95: number };
  readonly canaryFailures: { readonly mean: number; readonly p95: number };
  /** Over the runs that were caught. */
  readonly minutesToDetect: number | undefined;
  /** Over the runs that reached 100%. */
  readonly minutesToFull: number | undefined;
}

export function summarize(results: readonly RunResult[]): Summary {
  const share = (predicate: (result: RunResult) => boolean) => (results.length === 0 ? 0 : results.filter(predicate).length / results.length);
  const caught = results.filter((result) => result.caughtBeforeFull);
  const full = results.flatMap((result) => (result.minutesToFull === undefined ? [] : [result.minutesToFull]));
  return {
    runs: results.length,
    caught: share((result) => result.caughtBeforeFull),
    rolledBack: share((result) => result.outcome === 'rolled_back'),
    paused: share((result) => result.outcome === 'paused'),
    refused: share((result) => result.outcome === 'refused'),
    timedOut: share((result) => result.outcome === 'timed_out'),
    reachedFull: share((result) => result.minutesToFull !== undefined),
    canaryRequests: meanAndP95(results.map((result) => result.canaryRequests)),
    canaryFailures: meanAndP95(results.map((result) => result.canaryFailures)),
    minutesToDetect: mean(caught.map((result) => result.decisionMinute ?? 0)),
    minutesToFull: mean(full),
  };
}

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Mean and nearest-rank 95th percentile. */
export function meanAndP95(values: readonly number[]): { mean: number; p95: number } {
  if (values.length === 0) return { mean: 0, p95: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return { mean: mean(values) ?? 0, p95: sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]! };
}

/** Runs `runs` seeds `${prefix}-0`, `${prefix}-1`, … and summarizes them. */
export function runMany(options: Omit<RunOptions, 'seed'> & { runs: number; seedPrefix: string }): { results: RunResult[]; summary: Summary } {
  const results: RunResult[] = [];
  for (let index = 0; index < options.runs; index += 1) results.push(runOnce({ ...options, seed: `${options.seedPrefix}-${index}` }));
  return { results, summary: summarize(results) };
}
