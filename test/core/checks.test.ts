import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCheck, wilsonUpper, type CheckInput } from '../../lib/core/analysis/checks.js';
import { combine, judge } from '../../lib/core/analysis/judge.js';
import type { CheckResult } from '../../lib/core/decision.js';
import type { ArmStats } from '../../lib/core/metrics.js';
import { DEFAULT_POLICY, parsePolicy, type Check, type PolicyInput } from '../../lib/core/policy.js';
import { arm, MINUTE, periods, T0 } from './fixtures.js';

const policyWith = (check: unknown, extra: Partial<PolicyInput> = {}) => parsePolicy({ checks: [check], ...extra });

function run(check: unknown, canary: ArmStats, baseline: ArmStats | undefined, options: { reference?: ArmStats; minutes?: number; custom?: CheckInput['custom'] } = {}) {
  const policy = policyWith(check);
  const minutes = options.minutes ?? 5;
  const per = (value: number) => Math.round(value / minutes);
  const sequence = baseline
    ? Array.from({ length: minutes }, () => ({ canary: { ...canary, invocations: per(canary.invocations), errors: per(canary.errors) }, baseline: { ...baseline, invocations: per(baseline.invocations), errors: per(baseline.errors) } }))
    : [];
  const canaryByPeriod = Array.from({ length: minutes }, () => ({ ...canary, invocations: per(canary.invocations), errors: per(canary.errors) }));
  return evaluateCheck(policy.checks[0] as Check, {
    policy,
    canary,
    canaryByPeriod,
    liveBaseline: baseline,
    reference: options.reference,
    sequence,
    custom: options.custom ?? { canary: {}, baseline: {} },
  });
}

const sequential = { sli: { kind: 'error_rate' }, method: 'sequential' };
const ceiling = { sli: { kind: 'error_rate' }, method: 'threshold', comparator: '<=', value: 0.01 };
const p99Ratio = { sli: { kind: 'latency', percentile: 'p99' }, method: 'baseline', maxRatio: 2 };

describe('evaluateCheck', () => {
  it.each<[string, unknown, ArmStats, ArmStats | undefined, CheckResult['verdict']]>([
    ['sequential: a 5× canary fails', sequential, arm(500, 13), arm(4500, 22), 'fail'],
    ['sequential: an equal canary passes', sequential, arm(500, 2), arm(4500, 22), 'pass'],
    ['sequential: too few requests is inconclusive', sequential, arm(10, 0), arm(990, 5), 'inconclusive'],
    // 1 of 50 is 2%, above the 1% ceiling on its face, but the test's evidence is against a breach: holding on it would stall every low-traffic step.
    ['ceiling: one error in fifty is no breach, and holds nothing', ceiling, arm(50, 1), arm(4950, 25), 'pass'],
    ['ceiling: four errors in fifty lean to a breach and hold', ceiling, arm(50, 4), arm(4950, 25), 'inconclusive'],
    ['ceiling: one error in two hundred passes', ceiling, arm(200, 1), arm(4950, 25), 'pass'],
    ['ceiling: 4% over 1,000 requests breaches 1%', ceiling, arm(1000, 40), arm(9000, 45), 'fail'],
    // The stable version breaks the ceiling too: the comparison with it decides, so the ceiling neither fails nor holds.
    ['ceiling: breached by both versions defers to the comparison', ceiling, arm(1000, 40), arm(9000, 360), 'pass'],
    ['ceiling: few requests and no breach is inconclusive', ceiling, arm(5, 0), arm(995, 5), 'inconclusive'],
    ['p99: 1.5× the baseline passes', p99Ratio, arm(500, 0, 450), arm(4500, 0, 300), 'pass'],
    ['p99: 3× the baseline fails', p99Ratio, arm(500, 0, 900), arm(4500, 0, 300), 'fail'],
    ['p99: a baseline with too few requests is inconclusive', p99Ratio, arm(500, 0, 900), arm(3, 0, 300), 'inconclusive'],
    ['latency threshold: p90 over 200ms fails', { sli: { kind: 'latency', percentile: 'p90' }, method: 'threshold', value: 200 }, arm(100, 0, 450), undefined, 'fail'],
    ['throttle rate: over a 0.1% ceiling fails', { sli: { kind: 'throttle_rate' }, method: 'threshold', value: 0.001 }, arm(1000, 0, 300, { throttles: 40 }), arm(9000, 0), 'fail'],
    ['error-rate ratio: within 2× passes', { sli: { kind: 'error_rate' }, method: 'baseline', maxRatio: 2 }, arm(1000, 8), arm(9000, 45), 'pass'],
    ['error-rate ratio: 4× fails', { sli: { kind: 'error_rate' }, method: 'baseline', maxRatio: 2 }, arm(1000, 20), arm(9000, 45), 'fail'],
  ])('%s', (_name, check, canary, baseline, verdict) => {
    expect(run(check, canary, baseline)?.verdict).toBe(verdict);
  });

  it('explains a sequential failure with counts, rates and the log-likelihood ratio against log(1/α)', () => {
    const result = run(sequential, arm(500, 13), arm(4500, 22));
    expect(result?.note).toMatch(/^error rate 2\.6% \(13\/500\) vs baseline 0\.49% \(22\/4500\); SPRT log-likelihood ratio \d+\.\d ≥ 4\.7$/);
    // The policy's one α-spending check takes all of α but the probes' share: 0.9%.
    expect(result?.statistic).toBeGreaterThanOrEqual(Math.log(1 / 0.009));
    expect(result?.criticalValue).toBeCloseTo(Math.log(1 / 0.009));
  });

  it('holds a step whose evidence leans towards a regression without reaching 1/α', () => {
    // Two errors a minute among 100 against four among 900: a likelihood ratio near 99, under 1/α = 100.
    const result = run(sequential, arm(500, 10), arm(4500, 20));
    expect(result?.verdict).toBe('inconclusive');
    expect(result?.suspicious).toBe(true);
    expect(Math.exp(result!.statistic!)).toBeGreaterThanOrEqual(10);
    expect(Math.exp(result!.statistic!)).toBeLessThan(100);
  });

  it('after promotion compares with the stable version before promotion', () => {
    const reference = arm(10_000, 50);
    const bad = run(sequential, arm(3000, 60), undefined, { reference });
    const fine = run(sequential, arm(3000, 15), undefined, { reference });
    expect(bad?.verdict).toBe('fail');
    expect(bad?.note).toContain('pre-promotion baseline');
    expect(fine?.verdict).toBe('pass');
    expect(run(p99Ratio, arm(3000, 0, 900), undefined, { reference: arm(10_000, 0, 300) })?.verdict).toBe('fail');
  });

  it('after promotion needs a regression to persist: a burst shared by every version cannot roll back alone', () => {
    const reference = arm(10_000, 50);
    const policy = policyWith(sequential);
    const minute = (errors: number) => ({ ...arm(1000, errors) });
    const burst = [minute(25), minute(25), minute(25), ...Array.from({ length: 7 }, () => minute(5))];
    const steady = Array.from({ length: 10 }, () => minute(25));
    const judgeAfterPromotion = (byPeriod: ArmStats[]) =>
      evaluateCheck(policy.checks[0] as Check, {
        policy,
        canary: byPeriod.reduce((sum, arm) => ({ ...sum, invocations: sum.invocations + arm.invocations, errors: sum.errors + arm.errors })),
        canaryByPeriod: byPeriod,
        liveBaseline: undefined,
        reference,
        sequence: [],
        custom: { canary: {}, baseline: {} },
      });
    expect(judgeAfterPromotion(burst)?.verdict).not.toBe('fail');
    expect(judgeAfterPromotion(steady)?.verdict).toBe('fail');
  });

  it('skips relative checks when there is no baseline at all', () => {
    expect(run(sequential, arm(3000, 60), undefined)).toBeUndefined();
    expect(run(p99Ratio, arm(3000, 0, 900), undefined)).toBeUndefined();
  });

  it('judges custom SLIs on the values the metrics source reported', () => {
    const check = { name: 'queue-depth', sli: { kind: 'custom', metric: { namespace: 'Shop', metricName: 'QueueDepth' } }, method: 'threshold', comparator: '<', value: 100 };
    expect(run(check, arm(100, 0), arm(900, 0), { custom: { canary: { 'queue-depth': 50 }, baseline: {} } })?.verdict).toBe('pass');
    expect(run(check, arm(100, 0), arm(900, 0), { custom: { canary: { 'queue-depth': 150 }, baseline: {} } })?.verdict).toBe('fail');
    expect(run(check, arm(100, 0), arm(900, 0))?.verdict).toBe('inconclusive');
  });

  it('bounds a rate from above with Wilson', () => {
    expect(wilsonUpper(5, 1000)).toBeGreaterThan(0.005);
    expect(wilsonUpper(5, 1000)).toBeLessThan(0.012);
    expect(wilsonUpper(0, 0)).toBe(1);
  });
});

describe('a check past its limit', () => {
  const counts = fc
    .record({ total: fc.integer({ min: 0, max: 3000 }), share: fc.double({ min: 0, max: 1, noNaN: true }) })
    .map(({ total, share }) => ({ total, events: Math.round(total * share * share) }));
  const rateOf = ({ events, total }: { events: number; total: number }) => (total === 0 ? 0 : events / total);

  it('never passes evidence of a breach, for any counts: ceilings on rates (live or after promotion) and ratios to the baseline', () => {
    fc.assert(
      fc.property(
        counts,
        counts,
        fc.double({ min: 0.001, max: 0.3, noNaN: true }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.constantFrom('<', '<='),
        fc.boolean(),
        (canaryCounts, baselineCounts, limit, maxRatio, comparator, promoted) => {
          const canary = arm(canaryCounts.total, canaryCounts.events, 300, { throttles: canaryCounts.events });
          const baseline = arm(baselineCounts.total + 20, baselineCounts.events, 300, { throttles: baselineCounts.events });
          const live = promoted ? undefined : baseline;
          const options = promoted ? { reference: baseline } : {};
          const within = (value: number, bound: number) => (comparator === '<' ? value < bound : value <= bound);
          for (const kind of ['error_rate', 'throttle_rate'] as const) {
            const result = run({ sli: { kind }, method: 'threshold', comparator, value: limit }, canary, live, options);
            const rate = kind === 'error_rate' ? rateOf(canaryCounts) : canary.throttles / (canary.invocations + canary.throttles || 1);
            // Above the ceiling on its face passes only while the test's evidence is against a breach, or when the stable version breaks it too.
            if (result?.verdict === 'pass' && !within(rate, limit)) expect(result.deferred === true || (result.statistic ?? Infinity) < Math.log(2)).toBe(true);
          }
          const ratio = run({ sli: { kind: 'error_rate' }, method: 'baseline', maxRatio }, canary, live, options);
          if (ratio?.verdict === 'pass') expect(rateOf(canaryCounts)).toBeLessThanOrEqual(maxRatio * (baseline.errors / baseline.invocations));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('holds a rate above its ceiling on too few requests to fail, and says so', () => {
    const result = run(ceiling, arm(77, 3), arm(7700, 38));
    expect(result).toMatchObject({ verdict: 'inconclusive', canary: 3 / 77, threshold: 0.01, suspicious: true });
    expect(result?.note).toMatch(/^3 of 77 failed \(3\.9%\), above the 1% ceiling, but too few requests to be sure: holding \(likelihood ratio -?\d+\.\d \(log\) vs 4\.7\)$/);
    const throttles = run({ sli: { kind: 'throttle_rate' }, method: 'threshold', value: 0.01 }, arm(100, 0, 300, { throttles: 5 }), arm(900, 0));
    expect(throttles).toMatchObject({ verdict: 'inconclusive' });
    expect(throttles?.note).toMatch(/^5 of 105 throttled \(4\.8%\), above the 1% ceiling/);
    // Two of 102 is above 1% on its face, but the evidence is against a breach: the step does not wait on it.
    const faint = run({ sli: { kind: 'throttle_rate' }, method: 'threshold', value: 0.01 }, arm(100, 0, 300, { throttles: 2 }), arm(900, 0));
    expect(faint).toMatchObject({ verdict: 'pass' });
    expect(faint?.note).toMatch(/above it on few requests, but no evidence of a breach$/);
  });

  it('still passes a rate at or below its ceiling, and still fails a clear breach', () => {
    expect(run(ceiling, arm(100, 1), arm(900, 4))?.verdict).toBe('pass');
    expect(run({ ...ceiling, comparator: '<' }, arm(100, 4), arm(900, 4))?.verdict).toBe('inconclusive');
    expect(run(ceiling, arm(1000, 40), arm(9000, 45))?.verdict).toBe('fail');
  });

  it('names the version and how many requests a check still needs', () => {
    const policy = policyWith(ceiling);
    const input = (invocations: number, errors: number): CheckInput => ({
      policy,
      canary: arm(invocations, errors),
      canaryByPeriod: [arm(invocations, errors)],
      liveBaseline: arm(1000, 5),
      reference: undefined,
      sequence: [],
      custom: { canary: {}, baseline: {} },
      canaryName: 'version 7',
    });
    expect(evaluateCheck(policy.checks[0] as Check, input(0, 0))?.note).toBe('error rate: no requests on version 7 yet (20 needed)');
    expect(evaluateCheck(policy.checks[0] as Check, input(1, 0))?.note).toBe('error rate 0% (0/1): only 1 request on version 7 so far (20 needed)');
    const p99 = policyWith(p99Ratio);
    const warm = { ...input(0, 0), policy: p99, afterWarmup: true };
    expect(evaluateCheck(p99.checks[0] as Check, warm)?.note).toBe('p99 latency: no requests on version 7 past the warm-up yet (20 needed)');
  });
});

describe('judge', () => {
  it('combines: any fail fails, any inconclusive holds, nothing to judge is inconclusive', () => {
    const result = (verdict: CheckResult['verdict']): CheckResult => ({ check: verdict, sli: 'x', method: 'threshold', verdict, note: '' });
    expect(combine([result('pass'), result('fail'), result('inconclusive')])).toBe('fail');
    expect(combine([result('pass'), result('inconclusive')])).toBe('inconclusive');
    expect(combine([result('pass'), result('pass')])).toBe('pass');
    expect(combine([])).toBe('inconclusive');
  });

  it('judges the default policy over the step window and the sequential test over the whole release', () => {
    // A bad first step, then a clean second one: the step window is clean, the release history is not.
    const history = [...periods(0, 5, arm(100, 10), arm(900, 4)), ...periods(5, 5, arm(100, 0), arm(900, 4))];
    const judgement = judge(DEFAULT_POLICY, history, { from: T0 + 5 * MINUTE, releaseStart: T0 }, 10);
    expect(judgement.canaryRequests).toBe(500);
    expect(judgement.window).toEqual({ start: T0 + 5 * MINUTE, end: T0 + 10 * MINUTE });
    const byName = Object.fromEntries(judgement.checks.map((check) => [check.check, check.verdict]));
    expect(byName).toEqual({ 'error-rate-vs-baseline': 'fail', 'error-rate-ceiling': 'pass', 'p99-vs-baseline': 'pass' });
    expect(judgement.verdict).toBe('fail');
  });
});
