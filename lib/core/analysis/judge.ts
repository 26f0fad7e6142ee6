import type { CheckResult, Judgement, Verdict } from '../decision.js';
import { aggregateArm, periodsBetween, type Period } from '../metrics.js';
import { checkLabel, type Policy } from '../policy.js';
import { evaluateCheck, type CheckInput } from './checks.js';
import { ruleOutEvidence, type EvidenceRoutes } from './evidence.js';

export interface AnalysisWindow {
  /** Start of the window being judged (the step's start, or promotion for verification). */
  readonly from: number;
  /** When the release started: the sequential test counts everything since. */
  readonly releaseStart: number;
  /** When the new version took all traffic, if it has. */
  readonly promotedAt?: number | undefined;
  /** Routes that share β for ruling out. */
  readonly evidenceRoutes?: EvidenceRoutes | undefined;
}

/** Combines verdicts: any fail fails; otherwise any inconclusive (or nothing to judge on) is inconclusive. */
export function combine(results: readonly CheckResult[]): Verdict {
  if (results.some((result) => result.verdict === 'fail')) return 'fail';
  if (results.length === 0 || results.some((result) => result.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

function customValues(policy: Policy, periods: readonly Period[], arm: 'canary' | 'baseline'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const check of policy.checks) {
    if (check.sli.kind !== 'custom') continue;
    const name = checkLabel(check);
    const values = periods.map((period) => period[arm].custom?.[name]).filter((value): value is number => value !== undefined);
    if (values.length === 0) continue;
    const sum = values.reduce((acc, value) => acc + value, 0);
    out[name] = check.sli.aggregate === 'sum' ? sum : check.sli.aggregate === 'max' ? Math.max(...values) : sum / values.length;
  }
  return out;
}

/**
 * Judges the policy over a window of complete periods. Before promotion the stable version's
 * live traffic in the same window is the baseline; after it, the stable version's traffic
 * before promotion is the reference.
 */
export function judge(policy: Policy, periods: readonly Period[], window: AnalysisWindow, weight: number, canaryName = 'the new version'): Judgement {
  const live = weight < 100 && window.promotedAt === undefined;
  const beforePromotion = window.promotedAt === undefined ? [] : periodsBetween(periods, window.releaseStart, window.promotedAt);
  const reference = beforePromotion.length > 0 ? aggregateArm(beforePromotion.map((period) => period.baseline)) : undefined;
  const sequence = periodsBetween(periods, window.releaseStart, window.promotedAt);
  const inWindow = periodsBetween(periods, window.from);
  const whole = inWindow.filter((period) => period.start >= window.from).sort((a, b) => a.start - b.start);
  const warmPeriods = whole.slice(policy.latencyWarmupPeriods);
  // Latency tests leave out the current step's warm-up, earlier steps' are capped per period.
  const warm = new Set(warmPeriods);
  const warmingUp = new Set(inWindow.filter((period) => !warm.has(period)));
  const warmSequence = sequence.filter((period) => !warmingUp.has(period));
  const inputOf = (inWindow: readonly Period[], afterWarmup = false): CheckInput => {
    return {
      policy,
      canaryName,
      afterWarmup,
      canary: aggregateArm(inWindow.map((period) => period.canary)),
      canaryByPeriod: inWindow.map((period) => period.canary),
      liveBaseline: live ? aggregateArm(inWindow.map((period) => period.baseline)) : undefined,
      reference,
      sequence,
      warmSequence,
      custom: { canary: customValues(policy, inWindow, 'canary'), baseline: customValues(policy, inWindow, 'baseline') },
    };
  };
  const input = inputOf(inWindow);
  const warmInput = inputOf(warmPeriods, input.canary.invocations > 0);
  const checks = policy.checks
    .map((check) => evaluateCheck(check, check.sli.kind === 'latency' ? warmInput : input))
    .filter((result): result is CheckResult => result !== undefined);
  const end = periods.reduce((latest, period) => (period.end > window.from ? Math.max(latest, period.end) : latest), window.from);
  // Policies stored before evidence existed advance on their checks alone.
  const evidence = live && policy.evidence !== undefined ? ruleOutEvidence(sequence, policy.evidence, window.evidenceRoutes) : undefined;
  return { verdict: combine(checks), checks, window: { start: window.from, end }, canaryRequests: input.canary.invocations, ...(evidence ? { evidence } : {}) };
}
