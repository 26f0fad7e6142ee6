import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { binaryKl, excessVariance, oneSampleMixture, periodDispersions, RATIO_GRID, ratioLogLikelihood, twoSampleMixture, waldExpectedSamples, type CountPair } from '../../lib/core/analysis/sprt.js';

describe('the limit (Wald expected sample number)', () => {
  it.each([
    ['bad 5×', 0.025, 204],
    ['subtle 2×', 0.01, 2149],
  ])('%s (p1 = %d) needs about %i canary requests at α 1%, β 5%', (_name, p1, expected) => {
    expect(Math.round(waldExpectedSamples(0.005, p1, 0.01, 0.05))).toBe(expected);
  });

  it('concluding "no 2× regression" takes about 1,881 requests', () => {
    // The mirror test: H1 is the null here, so α and β swap and the divergence reverses.
    expect(Math.round(binaryKl(0.99, 0.05) / binaryKl(0.005, 0.01))).toBe(1881);
  });
});

describe('twoSampleMixture', () => {
  it('uses the grid 2^(j/2), j = 1…12', () => {
    expect(RATIO_GRID[0]).toBeCloseTo(Math.SQRT2);
    expect(RATIO_GRID.at(-1)).toBe(64);
    expect(RATIO_GRID).toHaveLength(12);
  });

  it('crosses 1/α in one minute when every canary request fails', () => {
    expect(twoSampleMixture([{ canaryTotal: 10, canaryEvents: 10, baselineTotal: 990, baselineEvents: 5 }])).toBeGreaterThan(1e10);
  });

  it('finds no evidence when the canary fails at the baseline rate', () => {
    const minute = { canaryTotal: 100, canaryEvents: 1, baselineTotal: 900, baselineEvents: 9 };
    expect(twoSampleMixture(Array.from({ length: 30 }, () => minute))).toBeLessThan(0.05);
  });

  it('ignores periods where one side had no traffic or nobody failed', () => {
    const periods = [
      { canaryTotal: 0, canaryEvents: 0, baselineTotal: 1000, baselineEvents: 5 },
      { canaryTotal: 10, canaryEvents: 0, baselineTotal: 0, baselineEvents: 0 },
      { canaryTotal: 10, canaryEvents: 0, baselineTotal: 990, baselineEvents: 0 },
    ];
    expect(twoSampleMixture(periods)).toBe(1);
  });

  it('cancels noise shared by both versions: scaling both error counts together keeps the verdict', () => {
    const calm = [{ canaryTotal: 500, canaryEvents: 3, baselineTotal: 500, baselineEvents: 3 }];
    const burst = [{ canaryTotal: 500, canaryEvents: 15, baselineTotal: 500, baselineEvents: 15 }];
    expect(twoSampleMixture(calm)).toBeLessThan(1);
    expect(twoSampleMixture(burst)).toBeLessThan(1);
  });

  const period = fc.record({
    canaryTotal: fc.integer({ min: 1, max: 2000 }),
    baselineTotal: fc.integer({ min: 1, max: 2000 }),
    canaryShare: fc.double({ min: 0, max: 0.2, noNaN: true }),
    baselineShare: fc.double({ min: 0, max: 0.2, noNaN: true }),
  });
  const toCounts = (p: { canaryTotal: number; baselineTotal: number; canaryShare: number; baselineShare: number }) => ({
    canaryTotal: p.canaryTotal,
    baselineTotal: p.baselineTotal,
    canaryEvents: Math.floor(p.canaryTotal * p.canaryShare),
    baselineEvents: Math.floor(p.baselineTotal * p.baselineShare),
  });

  it('is a positive number, never NaN, and grows with each extra canary error on binomial counts', () => {
    fc.assert(
      fc.property(fc.array(period, { minLength: 1, maxLength: 20 }), (raw) => {
        const periods = raw.map(toCounts);
        const before = twoSampleMixture(periods, RATIO_GRID, Infinity, false);
        const first = periods[0]!;
        const worse = [{ ...first, canaryEvents: Math.min(first.canaryTotal, first.canaryEvents + 1) }, ...periods.slice(1)];
        // A mean of likelihood ratios is positive; NaN is what a 0/0 in a dispersion or a log would leave.
        expect(before).toBeGreaterThan(0);
        expect(before).not.toBeNaN();
        // Past what a double holds the mixture is Infinity, and Infinity cannot grow.
        if (worse[0]!.canaryEvents > first.canaryEvents && Number.isFinite(before)) expect(twoSampleMixture(worse, RATIO_GRID, Infinity, false)).toBeGreaterThan(before);
      }),
    );
  });

  it('allowing for wander, grows with an extra canary error in the newest period, whose dispersion was fixed before it', () => {
    fc.assert(
      fc.property(fc.array(period, { minLength: 1, maxLength: 20 }), (raw) => {
        const periods = raw.map(toCounts);
        const before = twoSampleMixture(periods);
        const last = periods.at(-1)!;
        const worse = [...periods.slice(0, -1), { ...last, canaryEvents: Math.min(last.canaryTotal, last.canaryEvents + 1) }];
        // A mean of likelihood ratios is positive; NaN is what a 0/0 in a dispersion or a log would leave.
        expect(before).toBeGreaterThan(0);
        expect(before).not.toBeNaN();
        if (worse.at(-1)!.canaryEvents > last.canaryEvents && Number.isFinite(before)) expect(twoSampleMixture(worse)).toBeGreaterThan(before);
        // On one period the tempering is a power of the binomial's likelihood, so by Jensen it never claims
        // more. Over several it is not (each period has its own dispersion): fast-check found 1.0098 against 1.0097.
        const one = periods.slice(0, 1);
        expect(twoSampleMixture(one)).toBeLessThanOrEqual(Math.max(1, twoSampleMixture(one, RATIO_GRID, Infinity, false)) * (1 + 1e-9));
      }),
    );
  });

  it('never finds evidence when the canary had no errors', () => {
    fc.assert(
      fc.property(fc.array(period, { minLength: 1, maxLength: 20 }), (raw) => {
        const periods = raw.map((p) => ({ ...toCounts(p), canaryEvents: 0 }));
        expect(twoSampleMixture(periods)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('oneSampleMixture', () => {
  it.each([
    [50, 1, 0.01, 'below', 1],
    [500, 2, 0.01, 'below', 1],
    [500, 20, 0.01, 'above', 100],
    [10, 10, 0.01, 'above', 100],
  ])('%i requests with %i errors against %d is %s %d', (total, events, p0, side, level) => {
    const evidence = oneSampleMixture(total, events, p0);
    if (side === 'below') expect(evidence).toBeLessThan(level);
    else expect(evidence).toBeGreaterThan(level);
  });

  it('handles ceilings at the edges', () => {
    expect(oneSampleMixture(100, 0, 0)).toBe(1);
    expect(oneSampleMixture(100, 1, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(oneSampleMixture(100, 100, 1)).toBe(0);
    // At a 60% ceiling only the 1.4× point of the grid can exist, so the mixture keeps 1/12 of its weight.
    expect(oneSampleMixture(0, 0, 0.6)).toBeCloseTo(1 / 12);
  });
});

describe('ruling a regression out', () => {
  const periods = [
    { canaryTotal: 100, canaryEvents: 1, baselineTotal: 900, baselineEvents: 6 },
    { canaryTotal: 500, canaryEvents: 2, baselineTotal: 500, baselineEvents: 3 },
  ];

  it('Λ(ρ) is the log of the one-ratio mixture', () => {
    expect(ratioLogLikelihood(periods, 2)).toBeCloseTo(Math.log(twoSampleMixture(periods, [2])), 12);
  });

  it('falls when the new version serves fewer errors than its share, and rises when it serves more', () => {
    const fewer = [{ canaryTotal: 500, canaryEvents: 1, baselineTotal: 500, baselineEvents: 9 }];
    const more = [{ canaryTotal: 500, canaryEvents: 9, baselineTotal: 500, baselineEvents: 1 }];
    expect(ratioLogLikelihood(fewer, 2)).toBeLessThan(0);
    expect(ratioLogLikelihood(more, 2)).toBeGreaterThan(0);
  });

  it('a per-period cap lowers the mixture, never raises it', () => {
    const burst = [{ canaryTotal: 10, canaryEvents: 10, baselineTotal: 990, baselineEvents: 5 }];
    expect(twoSampleMixture(burst, RATIO_GRID, 1)).toBeLessThan(twoSampleMixture(burst));
    expect(twoSampleMixture(burst, RATIO_GRID, 1)).toBeLessThanOrEqual(Math.E);
  });
});

describe('versions whose error rates wander (overdispersion)', () => {
  /** Seeded periods: each version's rate wanders by exp(σz) a period, errors drawn near-Poisson (normal limit, large counts). */
  function wanderingPeriods(seed: number, options: { periods: number; canaryRequests: number; baselineRequests: number; rate: number; ratio: number; sigma: number }): CountPair[] {
    const generator = xoroshiro128plus(seed);
    const normal = () => {
      const u = Math.max(1e-12, uniformFloat64(generator));
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniformFloat64(generator));
    };
    const draw = (mean: number) => Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
    return Array.from({ length: options.periods }, () => ({
      canaryTotal: options.canaryRequests,
      canaryEvents: draw(options.canaryRequests * options.rate * options.ratio * Math.exp(options.sigma * normal())),
      baselineTotal: options.baselineRequests,
      baselineEvents: draw(options.baselineRequests * options.rate * Math.exp(options.sigma * normal())),
    }));
  }
  /** Share of sequences whose mixture ever reaches 1/α, looking after every period as the gate does. */
  function everCrosses(sequences: readonly CountPair[][], alpha: number, wander: boolean): number {
    const crossed = sequences.filter((periods) => periods.some((_, at) => twoSampleMixture(periods.slice(0, at + 1), RATIO_GRID, Infinity, wander) >= 1 / alpha));
    return crossed.length / sequences.length;
  }
  // 100k rpm at 5% with half the traffic on each version: 2,500 errors a minute a side, each rate wandering 10% a minute.
  const busy = { periods: 20, canaryRequests: 50_000, baselineRequests: 50_000, rate: 0.05, sigma: 0.1 };

  it('keeps the false-alarm rate within α where the binomial test alone spends it several times over', () => {
    const healthy = Array.from({ length: 300 }, (_, seed) => wanderingPeriods(seed, { ...busy, ratio: 1 }));
    expect(everCrosses(healthy, 0.01, false)).toBeGreaterThan(0.04);
    expect(everCrosses(healthy, 0.01, true)).toBeLessThanOrEqual(0.01);
  });

  it('still catches a 1.5× regression at that traffic within ten minutes', () => {
    const worse = Array.from({ length: 50 }, (_, seed) => wanderingPeriods(1000 + seed, { ...busy, periods: 10, ratio: 1.5 }));
    expect(everCrosses(worse, 0.01, true)).toBe(1);
  });

  it('estimates the wander from the release: near 1 at a few errors a minute, large at thousands, and unmoved by a steady regression', () => {
    const quiet = periodDispersions(wanderingPeriods(7, { periods: 30, canaryRequests: 100, baselineRequests: 900, rate: 0.005, ratio: 1, sigma: 0.1 }));
    expect(Math.max(...quiet)).toBeLessThan(1.05);
    const loudPeriods = wanderingPeriods(7, { ...busy, periods: 30, ratio: 1 });
    const loud = periodDispersions(loudPeriods);
    // τ² ≈ 2σ² = 0.02 (estimated on the high side) at 1,250 of information a period: φ ≈ 26–50.
    expect(loud.at(-1)!).toBeGreaterThan(20);
    expect(loud.at(-1)!).toBeLessThan(60);
    // Residuals are taken around the ratio seen so far: a version steadily 5× worse shows no more wander.
    const healthyWander = excessVariance(wanderingPeriods(7, { ...busy, periods: 30, ratio: 1 }));
    expect(healthyWander).toBeGreaterThan(0.02);
    expect(excessVariance(wanderingPeriods(7, { ...busy, periods: 30, ratio: 5 })) / healthyWander).toBeLessThan(1.1);
    // The first period has nothing before it: the prior's 0.04.
    expect(loud[0]).toBeCloseTo(1 + 0.04 * (loudPeriods[0]!.canaryEvents + loudPeriods[0]!.baselineEvents) * 0.25, 6);
  });
});
