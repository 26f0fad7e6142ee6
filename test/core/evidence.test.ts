import binomial from '@stdlib/random-base-binomial';
import fc from 'fast-check';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { evidenceRoutes, ruleOutEvidence, ruleOutLevel } from '../../lib/core/analysis/evidence.js';
import { PlanError } from '../../lib/core/errors.js';
import type { ArmStats } from '../../lib/core/metrics.js';
import { alphaOf, DEFAULT_POLICY, parsePolicy, shareOf, spendsAlpha, type Check, type Policy } from '../../lib/core/policy.js';
import { arm } from './fixtures.js';

const evidence = DEFAULT_POLICY.evidence;

describe('one α for the whole policy', () => {
  it('splits the default α of 1% between the checks that can roll back', () => {
    const shares = DEFAULT_POLICY.checks.map((check) => alphaOf(check));
    expect(shares).toEqual([0.005, 0.002, 0.002]);
    expect(DEFAULT_POLICY.evidence.probeAlpha).toBe(0.001);
    expect(shares.reduce((sum: number, share) => sum + (share ?? 0), DEFAULT_POLICY.evidence.probeAlpha)).toBeCloseTo(DEFAULT_POLICY.alpha, 12);
  });

  it('gives checks without a share an equal part of what the declared ones leave, and heuristics none', () => {
    const policy = parsePolicy({
      alpha: 0.02,
      checks: [
        { name: 'errors', sli: { kind: 'error_rate' }, method: 'sequential', alpha: 0.01 },
        { name: 'ceiling', sli: { kind: 'error_rate' }, method: 'threshold', value: 0.05 },
        { name: 'slow', sli: { kind: 'latency', percentile: 'p99' }, method: 'sequential', maxRatio: 3 },
        { name: 'p90', sli: { kind: 'latency', percentile: 'p90' }, method: 'baseline', maxRatio: 2 },
      ],
    });
    // 2% less the declared 1% and the probes' 0.1%, shared by the two without a share.
    const shares = policy.checks.map((check) => alphaOf(check));
    [0.01, 0.0045, 0.0045].forEach((share, index) => expect(shares[index]).toBeCloseTo(share, 12));
    expect(shares[3]).toBeUndefined();
    expect(policy.checks.map(spendsAlpha)).toEqual([true, true, true, false]);
  });

  it('reads a share for a check stored without one by the same rule parsing applies', () => {
    // A policy stored before checks carried shares: strip them and the shares read back the same.
    const stripped: Policy = { ...DEFAULT_POLICY, checks: DEFAULT_POLICY.checks.map((check) => { const { alpha: _alpha, ...rest } = check as Check & { alpha?: number }; return rest; }) };
    stripped.checks.forEach((check) => expect(alphaOf(check)).toBeUndefined());
    const read = stripped.checks.map((check) => shareOf(check, stripped));
    const parsed = parsePolicy({ ...stripped, checks: stripped.checks });
    read.forEach((share, index) => expect(share).toBeCloseTo(alphaOf(parsed.checks[index]!) ?? Number.NaN, 12));
    expect(read.reduce((sum, share) => sum + share, stripped.evidence.probeAlpha)).toBeCloseTo(stripped.alpha, 12);
    // A declared share is used as it is.
    DEFAULT_POLICY.checks.forEach((check) => expect(shareOf(check, DEFAULT_POLICY)).toBe(alphaOf(check)));
  });

  it('refuses shares that sum to more than α, at policy.alpha, for any split', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.2, noNaN: true }), fc.double({ min: 0.001, max: 0.2, noNaN: true }), fc.double({ min: 0.001, max: 0.4, noNaN: true }), (first, second, alpha) => {
        const input = { alpha, checks: [{ name: 'a', sli: { kind: 'error_rate' }, method: 'sequential', alpha: first }, { name: 'b', sli: { kind: 'error_rate' }, method: 'threshold', value: 0.01, alpha: second }] };
        if (first + second + DEFAULT_POLICY.evidence.probeAlpha <= alpha) {
          expect(parsePolicy(input).checks.map((check) => alphaOf(check))).toEqual([first, second]);
        } else {
          expect(() => parsePolicy(input)).toThrow(PlanError);
          try {
            parsePolicy(input);
          } catch (error) {
            expect((error as PlanError).issues.map((issue) => issue.path)).toEqual(['policy.alpha']);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses objectives on a sequential error-rate test, which only latency has', () => {
    expect(() => parsePolicy({ checks: [{ sli: { kind: 'error_rate' }, method: 'sequential', maxRatio: 2 }] })).toThrow(/latency only/);
  });
});

/** One seeded stream of binomial draws, so the Monte Carlo below is the same on every machine. */
function binomialStream(seed: number): (n: number, p: number) => number {
  let generator = xoroshiro128plus(seed);
  const draw = binomial.factory({ prng: () => { const [value, next] = [uniformFloat64(generator), generator]; generator = next; return value; } });
  return (n, p) => (n > 0 && p > 0 ? draw(n, p) : 0);
}

/** A release's minutes at `share` of `perMinute` requests, the new version at `ratio`× the stable rate. */
function minutes(count: number, perMinute: number, share: number, p0: number, ratio: number, draw: (n: number, p: number) => number): { canary: ArmStats; baseline: ArmStats }[] {
  return Array.from({ length: count }, () => {
    const canary = Math.round(perMinute * share);
    const baseline = perMinute - canary;
    return { canary: arm(canary, draw(canary, Math.min(1, ratio * p0))), baseline: arm(baseline, draw(baseline, p0)) };
  });
}

describe('ruling out the target regression', () => {
  it('rules out 2× for a version as good as the stable one, once enough errors have been served', () => {
    const result = ruleOutEvidence(Array.from({ length: 20 }, () => ({ canary: arm(500, 2), baseline: arm(500, 3) })), evidence);
    expect(result).toMatchObject({ ruledOut: true, by: 'ratio', canaryRequests: 10_000, canaryErrors: 40, baselineErrors: 60 });
    expect(result.logLikelihood).toBeLessThanOrEqual(ruleOutLevel(evidence));
    expect(result.note).toMatch(/^ruled out 2× the stable error rate \(40\/10,000 errors on the new version, 60\/10,000 on the stable; log-likelihood -\d+\.\d ≤ -3\.7\)$/);
  });

  it('rules out an error rate above the floor when neither version fails at all', () => {
    const few = ruleOutEvidence([{ canary: arm(1_000, 0), baseline: arm(1_000, 0) }], evidence);
    expect(few.ruledOut).toBe(false);
    expect(few.note).toContain('about 3,9');
    const many = ruleOutEvidence([{ canary: arm(6_000, 0), baseline: arm(6_000, 0) }], evidence);
    expect(many).toMatchObject({ ruledOut: true, by: 'floor' });
    expect(many.note).toMatch(/^ruled out an error rate above 0\.1%/);
  });

  it('does not rule out a version that fails twice as often, beyond the β/2 each route allows', () => {
    const draw = binomialStream(7);
    let ruledOut = 0;
    const runs = 400;
    for (let run = 0; run < runs; run += 1) {
      const sequence = minutes(60, 1_000, 0.5, 0.005, 2, draw);
      // Looking after every minute, as the gate does.
      if (sequence.some((_, index) => ruleOutEvidence(sequence.slice(0, index + 1), evidence).ruledOut)) ruledOut += 1;
    }
    expect(ruledOut / runs).toBeLessThanOrEqual(evidence.beta / 2 + 0.015);
  });

  it('gives the ratio all of β where the stable version runs above the floor, and still never rules out a 2× version beyond it', () => {
    const above = evidenceRoutes(evidence, 0.005, false);
    expect(above).toEqual({ floor: false, probes: false });
    expect(ruleOutLevel(evidence, above)).toBeCloseTo(Math.log(0.05), 12);
    expect(ruleOutLevel(evidence, evidenceRoutes(evidence, 0.0005, false))).toBeCloseTo(Math.log(0.025), 12);
    expect(ruleOutLevel(evidence, evidenceRoutes(evidence, undefined, true))).toBeCloseTo(Math.log(0.05 / 3), 12);
    // Without the floor route, a clean run of requests cannot rule anything out by it.
    expect(ruleOutEvidence([{ canary: arm(6_000, 0), baseline: arm(6_000, 12) }], evidence, above).by).not.toBe('floor');
    const draw = binomialStream(13);
    let ruledOut = 0;
    const runs = 400;
    for (let run = 0; run < runs; run += 1) {
      const sequence = minutes(60, 1_000, 0.5, 0.005, 2, draw);
      if (sequence.some((_, index) => ruleOutEvidence(sequence.slice(0, index + 1), evidence, above).ruledOut)) ruledOut += 1;
    }
    expect(ruledOut / runs).toBeLessThanOrEqual(evidence.beta + 0.02);
  });

  it('rules out a healthy version at half the traffic in most runs within the hour', () => {
    const draw = binomialStream(11);
    const runs = 200;
    let ruledOut = 0;
    for (let run = 0; run < runs; run += 1) if (ruleOutEvidence(minutes(60, 1_000, 0.5, 0.005, 1, draw), evidence).ruledOut) ruledOut += 1;
    expect(ruledOut / runs).toBeGreaterThan(0.9);
  });
});
