import type { CheckResult } from '../decision.js';
import { ms, percent, stat } from '../format.js';
import { aggregateArm, type ArmStats } from '../metrics.js';
import { checkLabel, shareOf, type Check, type Policy, type Sli } from '../policy.js';
import { cappedOneSampleMixture, oneSampleMixture, twoSampleMixture, type CountPair } from './sprt.js';

/** What one evaluation of a policy sees. */
export interface CheckInput {
  readonly policy: Policy;
  /** The new version over the window being judged. */
  readonly canary: ArmStats;
  /** The stable version over the same window; undefined once it serves no traffic. */
  readonly liveBaseline: ArmStats | undefined;
  /** The stable version before promotion, for comparisons once there is no live baseline. */
  readonly reference: ArmStats | undefined;
  /** The new version period by period over the window being judged. */
  readonly canaryByPeriod: readonly ArmStats[];
  /** Per-period counts since the release started, for the sequential test. */
  readonly sequence: readonly { canary: ArmStats; baseline: ArmStats }[];
  /** The same for latency tests, without the warm-up periods of the current step. */
  readonly warmSequence?: readonly { canary: ArmStats; baseline: ArmStats }[] | undefined;
  /** Custom SLI values over the window, per check name. */
  readonly custom: { readonly canary: Readonly<Record<string, number>>; readonly baseline: Readonly<Record<string, number>> };
  /** The new version as notes name it, `version 2`. */
  readonly canaryName?: string | undefined;
  /** The window leaves out the periods after a shift (latency checks): notes say so. */
  readonly afterWarmup?: boolean | undefined;
}

interface Counts {
  readonly events: number;
  readonly total: number;
}

function counts(sli: Sli, arm: ArmStats): Counts | undefined {
  if (sli.kind === 'error_rate') return { events: arm.errors, total: arm.invocations };
  if (sli.kind === 'throttle_rate') return { events: arm.throttles, total: arm.invocations + arm.throttles };
  return undefined;
}

function sliName(sli: Sli): string {
  switch (sli.kind) {
    case 'error_rate':
      return 'error rate';
    case 'throttle_rate':
      return 'throttle rate';
    case 'latency':
      return `${sli.percentile} latency`;
    case 'custom':
      return sli.metric ? `${sli.metric.namespace}/${sli.metric.metricName}` : sli.expression ?? 'custom';
  }
}

function valueOf(sli: Sli, arm: ArmStats, custom: Readonly<Record<string, number>>, name: string): number | undefined {
  const pair = counts(sli, arm);
  if (pair) return pair.total > 0 ? pair.events / pair.total : undefined;
  if (sli.kind === 'latency') return arm[sli.percentile];
  return custom[name];
}

function show(sli: Sli, value: number | undefined, pair?: Counts): string {
  if (value === undefined) return 'no data';
  if (sli.kind === 'latency') return ms(value);
  if (pair) return `${percent(value)} (${pair.events}/${pair.total})`;
  return String(Number(value.toPrecision(4)));
}

function compare(value: number, comparator: '<' | '<=' | '>' | '>=', limit: number): boolean {
  switch (comparator) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
  }
}

/**
 * A latency percentile from few requests is little more than their slowest one, so it fails a
 * check only once the window holds this many requests beyond the percentile (500 for a p99).
 * Above the limit on fewer, the step holds as suspicious while the evidence grows.
 */
export const TAIL_SAMPLES_TO_FAIL = 5;

/** The ceiling's evidence at which a step holds, as the sequential tests' default `holdAbove`. */
const CEILING_HOLD = 2;

function tailTooThin(sli: Sli, requests: number): boolean {
  if (sli.kind !== 'latency') return false;
  const tail = { p50: 0.5, p90: 0.1, p99: 0.01 }[sli.percentile];
  return requests * tail < TAIL_SAMPLES_TO_FAIL;
}

/** Judges one check. Missing data never passes: too few samples is `inconclusive`. */
export function evaluateCheck(check: Check, input: CheckInput): CheckResult | undefined {
  const name = checkLabel(check);
  const sli = sliName(check.sli);
  const base = { check: name, sli, method: check.method } as const;
  const enough = input.canary.invocations >= input.policy.minSamples;
  const canaryCounts = counts(check.sli, input.canary);
  const canaryValue = valueOf(check.sli, input.canary, input.custom.canary, name);
  const short = (): CheckResult => ({
    ...base,
    verdict: 'inconclusive',
    canary: canaryValue,
    canaryCounts,
    note: tooFewNote(sli, input, canaryValue === undefined ? undefined : show(check.sli, canaryValue, canaryCounts)),
  });

  switch (check.method) {
    case 'threshold': {
      const ceiling = check.comparator === '<' || check.comparator === '<=';
      if (canaryCounts && ceiling) return rateCeiling(check, input, base, canaryCounts, enough, short);
      if (!enough || canaryValue === undefined) return short();
      const ok = compare(canaryValue, check.comparator, check.value);
      return {
        ...base,
        heuristic: true,
        ...failOrSuspicious(ok, check.sli, input.canary.invocations),
        canary: canaryValue,
        canaryCounts,
        threshold: check.value,
        note: `${sli} ${show(check.sli, canaryValue, canaryCounts)} ${ok ? 'within' : 'breaks'} ${check.comparator} ${show(check.sli, check.value)}${thinNote(ok, check.sli, input.canary.invocations)}`,
      };
    }
    case 'baseline': {
      const baselineArm = input.liveBaseline ?? input.reference;
      if (baselineArm === undefined) return undefined;
      const baselineCounts = counts(check.sli, baselineArm);
      const baselineValue = valueOf(check.sli, baselineArm, input.custom.baseline, name);
      const baselineEnough = baselineArm.invocations >= input.policy.minSamples;
      if (!enough || canaryValue === undefined) return short();
      if (!baselineEnough || baselineValue === undefined) {
        return { ...base, verdict: 'inconclusive', canary: canaryValue, canaryCounts, note: `${sli}: the baseline has too few requests (${baselineArm.invocations}) to compare with` };
      }
      const limit = check.maxRatio * baselineValue + check.slack;
      const ok = canaryValue <= limit;
      const source = input.liveBaseline ? 'baseline' : 'pre-promotion baseline';
      return {
        ...base,
        heuristic: true,
        ...failOrSuspicious(ok, check.sli, input.canary.invocations),
        canary: canaryValue,
        baseline: baselineValue,
        canaryCounts,
        baselineCounts,
        threshold: limit,
        note: `${sli} ${show(check.sli, canaryValue, canaryCounts)} vs ${source} ${show(check.sli, baselineValue, baselineCounts)}: ${ok ? 'within' : 'above'} ${check.maxRatio}× (limit ${show(check.sli, limit)})${thinNote(ok, check.sli, input.canary.invocations)}`,
      };
    }
    case 'sequential':
      return check.sli.kind === 'latency' ? sequentialLatency(check, input, base, enough, short) : sequential(check, input, base, enough, short);
  }
}

/** `no requests on version 2 yet (20 needed)`, or how many there are so far. */
function tooFewNote(sli: string, input: CheckInput, shown: string | undefined): string {
  const requests = input.canary.invocations;
  const on = `on ${input.canaryName ?? 'the new version'}${input.afterWarmup ? ' past the warm-up' : ''}`;
  const needed = `${input.policy.minSamples} needed`;
  if (requests === 0) return `${sli}: no requests ${on} yet (${needed})`;
  return `${sli}${shown === undefined ? '' : ` ${shown}`}: only ${requests} ${requests === 1 ? 'request' : 'requests'} ${on} so far (${needed})`;
}

function failOrSuspicious(ok: boolean, sli: Sli, requests: number): Pick<CheckResult, 'verdict' | 'suspicious'> {
  if (ok) return { verdict: 'pass' };
  if (tailTooThin(sli, requests)) return { verdict: 'inconclusive', suspicious: true };
  return { verdict: 'fail' };
}

function thinNote(ok: boolean, sli: Sli, requests: number): string {
  return !ok && tailTooThin(sli, requests) ? `, but ${requests} requests are too few to fail a ${sliName(sli)}: holding while evidence grows` : '';
}

/**
 * Without a live baseline (after promotion), noise shared by every version no longer cancels,
 * so one-sample evidence is capped per period: a regression must persist for four periods.
 */
function verificationEvidence(sli: Sli, input: CheckInput, p0: number, alpha: number): number {
  const periods = input.canaryByPeriod.flatMap((arm) => {
    const pair = counts(sli, arm);
    return pair ? [pair] : [];
  });
  return cappedOneSampleMixture(periods, p0, Math.log(1 / alpha) / 4);
}

function rateCeiling(
  check: Extract<Check, { method: 'threshold' }>,
  input: CheckInput,
  base: Pick<CheckResult, 'check' | 'sli' | 'method'>,
  canaryCounts: Counts,
  enough: boolean,
  short: () => CheckResult,
): CheckResult {
  // A ceiling on a rate is an anytime-valid test, so one error among ten requests is not a breach.
  const alpha = shareOf(check, input.policy);
  const evidence = input.liveBaseline
    ? oneSampleMixture(canaryCounts.total, canaryCounts.events, check.value)
    : verificationEvidence(check.sli, input, check.value, alpha);
  const critical = 1 / alpha;
  const rate = canaryCounts.total > 0 ? canaryCounts.events / canaryCounts.total : 0;
  const evidenceText = `likelihood ratio ${stat(Math.log(evidence))} (log) vs ${stat(Math.log(critical))}`;
  const detail = `${base.sli} ${percent(rate)} (${canaryCounts.events}/${canaryCounts.total}) vs ceiling ${percent(check.value)}; ${evidenceText}`;
  const common = { ...base, canary: rate, canaryCounts, threshold: check.value, statistic: Math.log(evidence), criticalValue: Math.log(critical) };
  // The stable version in this window (a shared burst) or since the release started (or before
  // promotion): when either runs above the ceiling, the ceiling cannot tell this release from its
  // environment, so it neither fails nor holds and the comparison with the stable version decides.
  const stableAbove = (arm: ArmStats | undefined) => {
    const pair = arm ? counts(check.sli, arm) : undefined;
    return pair && pair.total >= input.policy.minSamples && pair.events / pair.total > check.value ? pair : undefined;
  };
  const baseline = input.liveBaseline ? (stableAbove(input.liveBaseline) ?? stableAbove(aggregateArm(input.sequence.map((period) => period.baseline)))) : stableAbove(input.reference);
  if (baseline) {
    const stable = baseline.events / baseline.total;
    return {
      ...common,
      verdict: 'pass',
      deferred: true,
      baseline: stable,
      baselineCounts: baseline,
      note: `${detail}; the stable version ${input.liveBaseline ? 'runs' : 'ran before promotion'} at ${percent(stable)} (${baseline.events}/${baseline.total}), above the ceiling too, so the comparison with it decides`,
    };
  }
  if (evidence >= critical) return { ...common, verdict: 'fail', note: `${detail}: above the ceiling` };
  const above = canaryCounts.total > 0 && !compare(rate, check.comparator, check.value);
  // Above the ceiling with evidence leaning to a breach holds the step; one error among a few dozen
  // requests does not, or every low-traffic step would wait on a coin toss.
  if (above && evidence >= CEILING_HOLD) {
    const verb = check.sli.kind === 'throttle_rate' ? 'throttled' : 'failed';
    return {
      ...common,
      verdict: 'inconclusive',
      suspicious: true,
      note: `${canaryCounts.events} of ${canaryCounts.total} ${verb} (${percent(rate)}), above the ${percent(check.value)} ceiling, but too few requests to be sure: holding (${evidenceText})`,
    };
  }
  if (!enough) return { ...short(), ...common, verdict: 'inconclusive' };
  return { ...common, verdict: 'pass', note: `${detail}: ${above ? 'above it on few requests, but ' : ''}no evidence of a breach` };
}

function sequential(
  check: Extract<Check, { method: 'sequential' }>,
  input: CheckInput,
  base: Pick<CheckResult, 'check' | 'sli' | 'method'>,
  enough: boolean,
  short: () => CheckResult,
): CheckResult | undefined {
  const alpha = shareOf(check, input.policy);
  const critical = 1 / alpha;
  let evidence: number;
  let canaryCounts: Counts;
  let baselineCounts: Counts;
  let against: string;
  if (input.liveBaseline) {
    evidence = twoSampleMixture(
      input.sequence.map(({ canary, baseline }) => ({
        canaryTotal: canary.invocations,
        canaryEvents: canary.errors,
        baselineTotal: baseline.invocations,
        baselineEvents: baseline.errors,
      })),
    );
    canaryCounts = { events: input.canary.errors, total: input.canary.invocations };
    baselineCounts = { events: input.liveBaseline.errors, total: input.liveBaseline.invocations };
    against = 'baseline';
  } else {
    // At 100% nothing runs beside the new version: test it against an upper bound of the stable rate before promotion.
    const reference = input.reference;
    if (reference === undefined || reference.invocations < input.policy.minSamples) return undefined;
    canaryCounts = { events: input.canary.errors, total: input.canary.invocations };
    baselineCounts = { events: reference.errors, total: reference.invocations };
    evidence = verificationEvidence(check.sli, input, wilsonUpper(reference.errors, reference.invocations), alpha);
    against = 'pre-promotion baseline';
  }
  const rate = (pair: Counts) => (pair.total > 0 ? pair.events / pair.total : 0);
  const detail = `error rate ${percent(rate(canaryCounts))} (${canaryCounts.events}/${canaryCounts.total}) vs ${against} ${percent(rate(baselineCounts))} (${baselineCounts.events}/${baselineCounts.total}); SPRT log-likelihood ratio ${stat(Math.log(evidence))}`;
  const common = {
    ...base,
    canary: rate(canaryCounts),
    baseline: rate(baselineCounts),
    canaryCounts,
    baselineCounts,
    statistic: Math.log(evidence),
    criticalValue: Math.log(critical),
  };
  return sequentialVerdict({ common, detail, evidence, critical, holdAbove: check.holdAbove, mayHold: true, enough, short });
}

/** A sequential test's verdict from its mixture: fail at 1/α, hold as suspicious above `holdAbove`, else pass on enough requests. */
function sequentialVerdict(options: {
  common: Omit<CheckResult, 'verdict' | 'note'>;
  detail: string;
  evidence: number;
  critical: number;
  holdAbove: number;
  mayHold: boolean;
  enough: boolean;
  short: () => CheckResult;
}): CheckResult {
  const { common, detail, evidence, critical, holdAbove } = options;
  if (evidence >= critical) return { ...common, verdict: 'fail', note: `${detail} ≥ ${stat(Math.log(critical))}` };
  if (evidence >= holdAbove && options.mayHold) {
    return { ...common, verdict: 'inconclusive', suspicious: true, note: `${detail}: leaning towards a regression (≥ ${stat(Math.log(holdAbove))}), baking longer` };
  }
  if (!options.enough) return { ...options.short(), ...common };
  return { ...common, verdict: 'pass', note: `${detail} < ${stat(Math.log(holdAbove))}: no evidence of a regression` };
}

/**
 * The sequential latency test: requests slower than the objective (`maxRatio` × the stable
 * percentile before the release, or `thresholdMs`) are the events of the same two-sample test as
 * errors, so a percentile guard spends a declared α however often it looks. Each period adds at
 * most ln(1/α)/4, so a slow spell (cold starts after a shift, a GC pause) cannot decide alone.
 * Without slow counts from the source it falls back to comparing percentiles, which only holds.
 */
function sequentialLatency(
  check: Extract<Check, { method: 'sequential' }>,
  input: CheckInput,
  base: Pick<CheckResult, 'check' | 'sli' | 'method'>,
  enough: boolean,
  short: () => CheckResult,
): CheckResult | undefined {
  const key = base.check;
  const alpha = shareOf(check, input.policy);
  const critical = 1 / alpha;
  const cap = Math.log(critical) / 4;
  const slowOf = (arm: ArmStats | undefined) => arm?.slow?.[key];
  const sequence = (input.warmSequence ?? input.sequence).filter((period) => slowOf(period.canary) !== undefined && slowOf(period.baseline) !== undefined);
  const slowCounts = (arm: ArmStats | undefined): Counts | undefined => (slowOf(arm) === undefined ? undefined : { events: slowOf(arm)!, total: arm!.invocations });
  const canaryCounts = slowCounts(input.canary);
  if (canaryCounts === undefined || (input.liveBaseline && sequence.length === 0)) return latencyWithoutCounts(check, input, base, enough, short);
  const objective = check.thresholdMs === undefined ? `${check.maxRatio ?? 2}× the stable ${check.sli.kind === 'latency' ? check.sli.percentile : ''}` : ms(check.thresholdMs);
  let evidence: number;
  let baselineCounts: Counts | undefined;
  let against: string;
  if (input.liveBaseline) {
    const pairs: CountPair[] = sequence.map(({ canary, baseline }) => ({ canaryTotal: canary.invocations, canaryEvents: slowOf(canary)!, baselineTotal: baseline.invocations, baselineEvents: slowOf(baseline)! }));
    evidence = twoSampleMixture(pairs, undefined, cap);
    baselineCounts = slowCounts(input.liveBaseline);
    against = 'baseline';
  } else {
    const reference = slowCounts(input.reference);
    if (reference === undefined || input.reference!.invocations < input.policy.minSamples) return undefined;
    baselineCounts = reference;
    const periods = input.canaryByPeriod.flatMap((arm) => (slowOf(arm) === undefined ? [] : [{ total: arm.invocations, events: slowOf(arm)! }]));
    evidence = cappedOneSampleMixture(periods, wilsonUpper(reference.events, reference.total), cap);
    against = 'pre-promotion baseline';
  }
  const share = (pair: Counts | undefined) => (pair && pair.total > 0 ? pair.events / pair.total : 0);
  const shown = (pair: Counts | undefined) => (pair ? `${percent(share(pair))} (${pair.events}/${pair.total})` : 'no data');
  const detail = `requests slower than ${objective}: ${shown(canaryCounts)} vs ${against} ${shown(baselineCounts)}; SPRT log-likelihood ratio ${stat(Math.log(evidence))}`;
  const common = {
    ...base,
    canary: input.canary[check.sli.kind === 'latency' ? check.sli.percentile : 'p99'],
    baseline: (input.liveBaseline ?? input.reference)?.[check.sli.kind === 'latency' ? check.sli.percentile : 'p99'],
    canaryCounts,
    baselineCounts,
    statistic: Math.log(evidence),
    criticalValue: Math.log(critical),
  };
  // A handful of slow requests is a tail, not a trend: holding needs at least as many as a percentile would.
  return sequentialVerdict({ common, detail, evidence, critical, holdAbove: check.holdAbove, mayHold: canaryCounts.events >= TAIL_SAMPLES_TO_FAIL, enough, short });
}

/**
 * A latency test whose source cannot count slow requests: the percentile against `maxRatio` × the
 * stable one. With no α to spend, a breach only holds the step as suspicious.
 */
function latencyWithoutCounts(
  check: Extract<Check, { method: 'sequential' }>,
  input: CheckInput,
  base: Pick<CheckResult, 'check' | 'sli' | 'method'>,
  enough: boolean,
  short: () => CheckResult,
): CheckResult | undefined {
  if (check.sli.kind !== 'latency') return undefined;
  const percentile = check.sli.percentile;
  const baselineArm = input.liveBaseline ?? input.reference;
  if (baselineArm === undefined) return undefined;
  const canaryValue = input.canary[percentile];
  const baselineValue = baselineArm[percentile];
  if (!enough || canaryValue === undefined) return short();
  if (baselineValue === undefined || baselineArm.invocations < input.policy.minSamples) {
    return { ...base, verdict: 'inconclusive', canary: canaryValue, note: `${base.sli}: the baseline has too few requests (${baselineArm.invocations}) to compare with` };
  }
  const limit = check.thresholdMs ?? (check.maxRatio ?? 2) * baselineValue;
  const ok = canaryValue <= limit;
  const detail = `${base.sli} ${ms(canaryValue)} vs baseline ${ms(baselineValue)} (limit ${ms(limit)}), without slow-request counts to test`;
  if (ok) return { ...base, verdict: 'pass', heuristic: true, canary: canaryValue, baseline: baselineValue, threshold: limit, note: `${detail}: within` };
  return { ...base, verdict: 'inconclusive', suspicious: true, heuristic: true, canary: canaryValue, baseline: baselineValue, threshold: limit, note: `${detail}: above, holding for a person to judge` };
}

/** Wilson score upper bound (95%) of a binomial rate: a cautious stand-in for the stable version's rate. */
export function wilsonUpper(events: number, total: number, z = 1.96): number {
  if (total <= 0) return 1;
  const p = events / total;
  const z2 = z * z;
  const centre = p + z2 / (2 * total);
  const spread = z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return Math.min(1, (centre + spread) / (1 + z2 / total));
}
