import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, DEFAULT_POLICY_INPUT, parsePolicy } from '../../lib/core/policy.js';
import { describePreflight, preflight, requireProbes, type StableTraffic } from '../../lib/core/preflight.js';
import { resolvePlan } from '../../lib/core/resolve-plan.js';
import { coreGate } from '../../lib/core/simulator/gates.js';
import { runMany } from '../../lib/core/simulator/run.js';
import { scenarioWorld } from '../../lib/core/simulator/scenarios.js';

const plan = resolvePlan(undefined, 'normal');
const traffic = (requestsPerMinute: number, errorRate: number, p99 = 300): StableTraffic => {
  const requests = requestsPerMinute * 60;
  return { requestsPerMinute, requests, errors: Math.round(requests * errorRate), windowMinutes: 60, latencyMs: { p99 } };
};
const codes = (report: { warnings: readonly { code: string }[] }) => report.warnings.map((warning) => warning.code);

describe('the pre-flight', () => {
  it('judges the benchmark point on its traffic and forecasts each step', () => {
    const { plan: adjusted, report } = preflight(plan, DEFAULT_POLICY, 'normal', traffic(1_000, 0.005));
    expect(adjusted).toEqual(plan);
    expect(report).toMatchObject({ feasible: true, mode: 'judged', stableErrorRate: 0.005, latencyObjectivesMs: { 'p99-vs-baseline': 600 } });
    expect(report.steps.map((step) => [step.weight, step.canaryPerMinute, step.gathersEvidence])).toEqual([[1, 10, false], [10, 100, false], [50, 500, true]]);
    // The bakes alone are 15 minutes; the last step waits for the evidence at 500 requests a minute.
    expect(report.expectedMinutesToFull).toBeGreaterThan(15);
    expect(report.expectedMinutesToFull).toBeLessThan(30);
    expect(report.slowMinutesToFull).toBeGreaterThan(report.expectedMinutesToFull!);
    expect(report.detectableRatio).toBeGreaterThan(1);
    expect(report.detectableRatio).toBeLessThan(1.5);
    expect(codes(report)).toEqual([]);
    expect(describePreflight(report)).toMatch(/^1,000 requests\/min at 0\.5% errors; expected \d+m to 100% \(slow case \d+h?\d*m?\); catches 1\.\d× the stable error rate and above; p99-vs-baseline counts requests over 600ms: judged on its traffic$/);
  });

  it("measures its own time against Wald's bound: the least any gate with the policy's α and β could take", () => {
    for (const [perMinute, rate] of [[1_000, 0.005], [300, 0.005], [3_000, 0.001], [10_000, 0.0005], [100_000, 0.05]] as const) {
      const { report } = preflight(plan, DEFAULT_POLICY, 'normal', traffic(perMinute, rate));
      // Never below the plan's own bakes, never above what the gate itself expects to take.
      expect(report.limitMinutesToFull).toBeGreaterThanOrEqual(15);
      expect(report.limitMinutesToFull!).toBeLessThanOrEqual(report.expectedMinutesToFull!);
    }
    // At the benchmark point the evidence, not the bakes, sets the pace: the bound lies beyond the plan's 15 minutes.
    const { report } = preflight(plan, DEFAULT_POLICY, 'normal', traffic(1_000, 0.005));
    expect(report.limitMinutesToFull).toBeGreaterThan(16);
    expect(report.expectedMinutesToFull! / report.limitMinutesToFull!).toBeLessThan(1.15);
  });

  it('refuses a plan its traffic cannot judge in the maximum step time, and says why', () => {
    const { report } = preflight(plan, DEFAULT_POLICY, 'normal', traffic(10, 0.005));
    expect(report).toMatchObject({ feasible: false, mode: 'refused' });
    expect(codes(report)).toContain('too_few_requests');
    expect(report.warnings.find((warning) => warning.code === 'too_few_requests')?.message).toMatch(/^at 10 requests a minute the plan cannot rule out 2× the stable error rate within 4h/);
  });

  it('does what the policy says with an infeasible plan: synthetic evidence, or time alone', () => {
    for (const onInfeasible of ['synthetic', 'time'] as const) {
      const policy = parsePolicy({ ...DEFAULT_POLICY_INPUT, evidence: { onInfeasible } });
      expect(preflight(plan, policy, 'normal', traffic(10, 0.005)).report.mode).toBe(onInfeasible);
    }
  });

  it("raises a low-traffic plan's first weight within the risk class's limit, never above the next step", () => {
    const normal = preflight(plan, DEFAULT_POLICY, 'normal', traffic(100, 0.005));
    expect(normal.plan.steps[0]).toMatchObject({ type: 'traffic', weight: 5 });
    expect(codes(normal.report)).toContain('first_step_raised');
    expect(preflight(plan, DEFAULT_POLICY, 'low', traffic(100, 0.005)).plan.steps[0]).toMatchObject({ weight: 6 });
    expect(preflight(plan, DEFAULT_POLICY, 'high', traffic(100, 0.005)).plan.steps[0]).toMatchObject({ weight: 1 });
    const tight = resolvePlan({ steps: [{ type: 'traffic', weight: 1, minBake: '5m' }, { type: 'traffic', weight: 2, minBake: '5m' }] }, 'normal');
    expect(preflight(tight, DEFAULT_POLICY, 'low', traffic(30, 0.005)).plan.steps[0]).toMatchObject({ weight: 2 });
  });

  it('warns when the stable version is already above a ceiling, and when it has no errors at all', () => {
    expect(codes(preflight(plan, DEFAULT_POLICY, 'normal', traffic(1_000, 0.02)).report)).toContain('baseline_above_ceiling');
    const clean = preflight(plan, DEFAULT_POLICY, 'normal', traffic(3_000, 0)).report;
    expect(codes(clean)).toContain('no_errors_on_stable');
    expect(clean).toMatchObject({ feasible: true, detectableRatio: undefined });
  });

  it('says so when it has no reading, and leaves the plan as it is', () => {
    const { plan: same, report } = preflight(plan, DEFAULT_POLICY, 'normal', undefined);
    expect(same).toBe(plan);
    expect(report).toMatchObject({ mode: 'judged', feasible: true, steps: [] });
    expect(codes(report)).toEqual(['no_traffic_reading']);
  });

  it('forecasts no longer a time for more traffic, at any error rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 300, max: 100_000 }), fc.double({ min: 1.5, max: 10, noNaN: true }), fc.constantFrom(0.0005, 0.001, 0.005, 0.02, 0.05), (rpm, factor, p0) => {
        const slow = preflight(plan, DEFAULT_POLICY, 'normal', traffic(rpm, p0)).report;
        const fast = preflight(plan, DEFAULT_POLICY, 'normal', traffic(Math.round(rpm * factor), p0)).report;
        if (slow.expectedMinutesToFull !== undefined) expect(fast.expectedMinutesToFull!).toBeLessThanOrEqual(slow.expectedMinutesToFull + 1);
        if (slow.feasible) expect(fast.feasible).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('forecasts the time the simulated gate takes, off the benchmark point too', () => {
    for (const [requestsPerMinute, baselineErrorRate] of [[1_000, 0.005], [3_000, 0.001]] as const) {
      const { results, summary } = runMany({ plan, world: scenarioWorld('healthy', { requestsPerMinute, baselineErrorRate }), gate: coreGate(DEFAULT_POLICY), runs: 40, seedPrefix: 'forecast' });
      const forecast = results[0]!.preflight!;
      expect(summary.reachedFull).toBe(1);
      expect(summary.minutesToFull! / forecast.expectedMinutesToFull!).toBeGreaterThan(0.7);
      expect(summary.minutesToFull! / forecast.expectedMinutesToFull!).toBeLessThan(1.5);
    }
  });
});

describe('a plan for synthetic evidence', () => {
  it('is refused before it starts when the release asks for no probes, and runs when it does', () => {
    const policy = parsePolicy({ ...DEFAULT_POLICY_INPUT, evidence: { onInfeasible: 'synthetic' } });
    const { report } = preflight(plan, policy, 'normal', traffic(10, 0.005));
    expect(requireProbes(report, true)).toBe(report);
    const refused = requireProbes(report, false);
    expect(refused.mode).toBe('refused');
    expect(refused.warnings.at(-1)).toMatchObject({ code: 'no_probes', message: expect.stringMatching(/asks for no paired probes: add `synthetic\.probes`/) });
    // A feasible plan needs no probes.
    const judged = preflight(plan, policy, 'normal', traffic(1_000, 0.005)).report;
    expect(requireProbes(judged, false)).toBe(judged);
  });
});
