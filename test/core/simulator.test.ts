import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../lib/core/policy.js';
import { resolvePlan } from '../../lib/core/resolve-plan.js';
import { alarmGate, coreGate, mannWhitneyGate, thresholdGate } from '../../lib/core/simulator/gates.js';
import { mannWhitneyGreaterPValue } from '../../lib/core/simulator/mann-whitney.js';
import { meanAndP95, runMany, runOnce } from '../../lib/core/simulator/run.js';
import { scenarioWorld } from '../../lib/core/simulator/scenarios.js';
import { partialMinute, simulateMinute, simulateProbes } from '../../lib/core/simulator/world.js';
import type { Decision } from '../../lib/core/decision.js';

const plan = resolvePlan(undefined, 'normal');

describe('the simulated world', () => {
  it('gives identical traffic for the same seed and minute, whatever ran before', () => {
    const world = scenarioWorld('bad');
    const first = simulateMinute(world, 'seed-a', 7, 10, 2);
    for (let minute = 0; minute < 50; minute += 1) simulateMinute(world, `other-${minute}`, minute, 50, 0);
    expect(simulateMinute(world, 'seed-a', 7, 10, 2)).toEqual(first);
    expect(simulateMinute(world, 'seed-b', 7, 10, 2)).not.toEqual(first);
  });

  it('splits about the weight of the traffic to the new version and fails it at about its error rate', () => {
    const world = scenarioWorld('catastrophic', { requestsPerMinute: 10_000 });
    let canary = 0;
    let total = 0;
    let canaryErrors = 0;
    for (let minute = 0; minute < 30; minute += 1) {
      const traffic = simulateMinute(world, 'split', minute, 20, 5);
      canary += traffic.canary.invocations;
      canaryErrors += traffic.canary.errors;
      total += traffic.canary.invocations + traffic.baseline.invocations;
    }
    expect(canary / total).toBeGreaterThan(0.18);
    expect(canary / total).toBeLessThan(0.22);
    expect(canaryErrors).toBe(canary);
  });

  it('makes p99 about three times slower in the latency scenario', () => {
    const healthy = simulateMinute(scenarioWorld('healthy'), 'lat', 3, 50, 5);
    const slow = simulateMinute(scenarioWorld('latency'), 'lat', 3, 50, 5);
    expect(slow.canary.p99! / healthy.canary.p99!).toBeGreaterThan(2.4);
    expect(slow.canary.p99! / healthy.canary.p99!).toBeLessThan(3.6);
  });

  it('slows a share of new-version requests in the minute after a weight change (cold starts)', () => {
    const world = scenarioWorld('healthy');
    const cold = simulateMinute(world, 'cold', 4, 50, 0);
    const warm = simulateMinute(world, 'cold', 4, 50, 1);
    expect(cold.canary.p99!).toBeGreaterThan(warm.canary.p99!);
  });

  it("a minute without a single request is empty on both versions (at 10 rpm one minute in 22,000 is; it once hung the grid)", () => {
    const world = scenarioWorld('healthy', { requestsPerMinute: 1e-9 });
    for (const weight of [0, 1, 50, 100]) {
      const traffic = simulateMinute(world, 'silent', 3, weight, 0, { p99: 300 });
      expect([traffic.canary.invocations, traffic.canary.errors, traffic.baseline.invocations, traffic.baseline.errors]).toEqual([0, 0, 0, 0]);
      expect(traffic.canary.slow).toEqual({ p99: 0 });
    }
    // The seed the grid stalled on: 10 rpm, a Poisson draw of zero requests in its second minute.
    expect(runOnce({ plan, world: scenarioWorld('healthy', { requestsPerMinute: 10, baselineErrorRate: 0.0005 }), gate: alarmGate({ scope: 'canary', threshold: 0.015, datapoints: 4, evaluationPeriods: 5 }), seed: 'grid-healthy-84', maxMinutes: 480 }).outcome).toBe('promoted');
  });
});

describe('the policy simulator', () => {
  it('gives identical results for the same seed', () => {
    const options = { plan, world: scenarioWorld('bad'), gate: coreGate(DEFAULT_POLICY), runs: 20, seedPrefix: 'same' };
    expect(runMany(options)).toEqual(runMany(options));
  });

  it('rolls a catastrophic version back at the first evaluation and promotes a healthy one within its forecast', () => {
    const catastrophic = runOnce({ plan, world: scenarioWorld('catastrophic'), gate: coreGate(DEFAULT_POLICY), seed: 'c-1' });
    expect(catastrophic).toMatchObject({ outcome: 'rolled_back', decisionMinute: 1, caughtBeforeFull: true });
    const healthy = runOnce({ plan, world: scenarioWorld('healthy'), gate: coreGate(DEFAULT_POLICY), seed: 'h-1' });
    expect(healthy.outcome).toBe('promoted');
    // Never before the plan's bakes, and no later than the pre-flight's slow case.
    expect(healthy.minutesToFull).toBeGreaterThanOrEqual(15);
    expect(healthy.minutesToFull).toBeLessThanOrEqual(healthy.preflight!.slowMinutesToFull!);
  });

  it('refuses a release its traffic cannot judge, before it starts', () => {
    const result = runOnce({ plan, world: scenarioWorld('healthy', { requestsPerMinute: 10 }), gate: coreGate(DEFAULT_POLICY), seed: 'r-1' });
    expect(result).toMatchObject({ outcome: 'refused', canaryRequests: 0, minutes: 0 });
    expect(result.preflight?.warnings.map((warning) => warning.code)).toContain('too_few_requests');
  });

  it('stops counting exposure once the new version takes all traffic', () => {
    const result = runOnce({ plan, world: scenarioWorld('healthy'), gate: alarmGate({ scope: 'canary', threshold: 1, datapoints: 1, evaluationPeriods: 1 }), seed: 'x' });
    // 1% and 10% and 50% for five minutes each, of about 1,000 requests a minute.
    expect(result.canaryRequests).toBeGreaterThan(2_700);
    expect(result.canaryRequests).toBeLessThan(3_400);
  });

  it('runs the comparison gates: a function-wide alarm misses a 1% canary that a per-version one catches', () => {
    const world = scenarioWorld('catastrophic');
    const functionWide = runOnce({ plan, world, gate: alarmGate({ scope: 'function', threshold: 0.05, datapoints: 1, evaluationPeriods: 1 }), seed: 'cmp' });
    const perVersion = runOnce({ plan, world, gate: alarmGate({ scope: 'canary', threshold: 0.05, datapoints: 1, evaluationPeriods: 1 }), seed: 'cmp' });
    expect(perVersion.decisionMinute).toBe(1);
    expect(functionWide.decisionMinute ?? Infinity).toBeGreaterThan(perVersion.decisionMinute!);
    expect(runOnce({ plan, world, gate: thresholdGate({ threshold: 0.01, failureLimit: 2 }), seed: 'cmp' }).decisionMinute).toBe(3);
    expect(runOnce({ plan, world, gate: mannWhitneyGate({ confidence: 0.98 }), seed: 'cmp' }).decisionMinute).toBe(5);
  });
});

describe('paired probes in the simulator', () => {
  const synthetic = { ...DEFAULT_POLICY, evidence: { ...DEFAULT_POLICY.evidence, onInfeasible: 'synthetic' as const } };
  const lowTraffic = (scenario: 'healthy' | 'bad' | 'catastrophic') => scenarioWorld(scenario, { requestsPerMinute: 10, baselineErrorRate: 0.005 });

  it('fails probes at each version\'s error rate, the same draw for the same seed and minute', () => {
    const world = scenarioWorld('catastrophic', { baselineErrorRate: 0.2 });
    const draws = Array.from({ length: 200 }, (_, minute) => simulateProbes(world, 'p', minute, 10));
    expect(draws.every((draw) => draw.canaryErrors === 10)).toBe(true);
    const stableRate = draws.reduce((sum, draw) => sum + draw.baselineErrors, 0) / 2_000;
    expect(stableRate).toBeGreaterThan(0.17);
    expect(stableRate).toBeLessThan(0.23);
    expect(simulateProbes(world, 'p', 7, 10)).toEqual(draws[7]);
    // Before the new version degrades it fails like the stable one.
    const later = scenarioWorld('catastrophic', { baselineErrorRate: 0.2, degradeFromMinute: 1_000 });
    expect(Array.from({ length: 50 }, (_, minute) => simulateProbes(later, 'p', minute, 10).canaryErrors).some((errors) => errors < 10)).toBe(true);
  });

  it('judges a release its traffic cannot on probes: a catastrophic one rolled back by them, a healthy one promoted', () => {
    const decisions: Decision[] = [];
    const gate = coreGate(synthetic, { probes: { pairsPerTick: 10 }, onDecision: (decision) => decisions.push(decision) });
    const catastrophic = runOnce({ plan, world: lowTraffic('catastrophic'), gate, seed: 'probe-c' });
    expect(catastrophic).toMatchObject({ outcome: 'rolled_back', caughtBeforeFull: true });
    expect(catastrophic.preflight?.mode).toBe('synthetic');
    expect(catastrophic.decisionMinute).toBeLessThanOrEqual(3);
    expect(decisions.at(-1)).toMatchObject({ action: 'rollback', reason: 'probes_failed' });
    const healthy = runOnce({ plan, world: lowTraffic('healthy'), gate: coreGate(synthetic, { probes: { pairsPerTick: 10 } }), seed: 'probe-h' });
    expect(healthy.outcome).toBe('promoted');
    expect(healthy.minutesToFull).toBeGreaterThanOrEqual(15);
  });

  it('refuses a synthetic release that sends no probes, and will not run probes without a world to answer them', () => {
    const refused = runOnce({ plan, world: lowTraffic('healthy'), gate: coreGate(synthetic), seed: 'probe-none' });
    expect(refused.outcome).toBe('refused');
    expect(refused.preflight?.warnings.map((warning) => warning.code)).toContain('no_probes');
    expect(() => coreGate(synthetic, { probes: { pairsPerTick: 10 } })(plan, {})).toThrow(/world that answers them/);
  });
});

describe('mannWhitneyGreaterPValue', () => {
  it('is small when every treatment value is above every control value, and 1 without data', () => {
    expect(mannWhitneyGreaterPValue([5, 6, 7, 8, 9], [1, 2, 3, 4, 5])).toBeLessThan(0.01);
    expect(mannWhitneyGreaterPValue([1, 2, 3], [4, 5, 6])).toBeGreaterThan(0.9);
    expect(mannWhitneyGreaterPValue([], [1])).toBe(1);
  });
});

describe('meanAndP95', () => {
  it('uses the nearest rank', () => {
    expect(meanAndP95(Array.from({ length: 100 }, (_, index) => index + 1))).toEqual({ mean: 50.5, p95: 95 });
  });
});

describe('world effects', () => {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const minutes = (effect: Parameters<typeof scenarioWorld>[0], minute: number, weight = 10, seeds = 60) =>
    Array.from({ length: seeds }, (_, index) => simulateMinute(scenarioWorld(effect, { requestsPerMinute: 1000, baselineErrorRate: 0.01 }), `fx-${index}`, minute, weight, 5));

  it('a ramp grows traffic five-fold over its hour', () => {
    const total = (minute: number) => mean(minutes('healthy-ramp', minute).map((traffic) => traffic.canary.invocations + traffic.baseline.invocations));
    expect(total(0)).toBeGreaterThan(900);
    expect(total(0)).toBeLessThan(1100);
    expect(total(90) / total(0)).toBeGreaterThan(4.5);
    expect(total(90) / total(0)).toBeLessThan(5.5);
  });

  it('a shared incident raises both versions\' errors while it lasts', () => {
    const errors = (scenario: 'healthy' | 'healthy-incident', arm: 'canary' | 'baseline') => mean(minutes(scenario, 8, 50).map((traffic) => traffic[arm].errors));
    expect(errors('healthy-incident', 'canary') / errors('healthy', 'canary')).toBeGreaterThan(5);
    expect(errors('healthy-incident', 'baseline') / errors('healthy', 'baseline')).toBeGreaterThan(5);
    const after = mean(minutes('healthy-incident', 30, 50).map((traffic) => traffic.baseline.errors));
    expect(after / errors('healthy', 'baseline')).toBeLessThan(2);
  });

  it('gaps leave the new version without requests in about a third of the minutes', () => {
    const empty = Array.from({ length: 300 }, (_, minute) => simulateMinute(scenarioWorld('healthy-gaps'), 'gaps', minute, 10, 5)).filter((traffic) => traffic.canary.invocations === 0).length;
    expect(empty / 300).toBeGreaterThan(0.22);
    expect(empty / 300).toBeLessThan(0.38);
  });

  it('late metrics show a minute first with part of its counts, the same part for the same seed', () => {
    const full = simulateMinute(scenarioWorld('healthy-late'), 'late', 4, 50, 5);
    const partial = partialMinute(full, 'late', 4);
    expect(partialMinute(full, 'late', 4)).toEqual(partial);
    for (const arm of ['canary', 'baseline'] as const) {
      expect(partial[arm].invocations).toBeLessThanOrEqual(full[arm].invocations);
      expect(partial[arm].invocations).toBeGreaterThan(0.2 * full[arm].invocations);
      expect(partial[arm].errors).toBeLessThanOrEqual(partial[arm].invocations);
    }
  });

  it('counts slow requests against an objective, more of them for a slower version', () => {
    const slow = (scenario: 'healthy' | 'latency') =>
      mean(Array.from({ length: 40 }, (_, index) => simulateMinute(scenarioWorld(scenario), `slow-${index}`, 3, 50, 5, { p99: 320 }).canary.slow?.p99 ?? -1));
    expect(slow('healthy')).toBeGreaterThanOrEqual(0);
    expect(slow('healthy') / 500).toBeLessThan(0.03);
    expect(slow('latency') / 500).toBeGreaterThan(0.3);
  });

  it('the core gate re-reads a late minute once it is complete, and a healthy release still reaches 100%', () => {
    const late = runMany({ plan, world: scenarioWorld('healthy-late'), gate: coreGate(DEFAULT_POLICY), runs: 20, seedPrefix: 'late' });
    expect(late).toEqual(runMany({ plan, world: scenarioWorld('healthy-late'), gate: coreGate(DEFAULT_POLICY), runs: 20, seedPrefix: 'late' }));
    expect(late.summary.reachedFull).toBeGreaterThanOrEqual(0.9);
  });
});
