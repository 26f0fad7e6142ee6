import { describe, expect, it } from 'vitest';
import { computeStatistic, parseStatistic } from '../../lib/sandbox/metric-stats.js';

describe('percentile rank', () => {
  it('parses PR(n:m) with either bound open, and refuses an empty or inverted range', () => {
    expect(parseStatistic('PR(300:)')).toEqual({ kind: 'rank', lower: 300, upper: undefined });
    expect(parseStatistic('PR(:2.5)')).toEqual({ kind: 'rank', lower: undefined, upper: 2.5 });
    expect(parseStatistic('PR(100:2000)')).toEqual({ kind: 'rank', lower: 100, upper: 2000 });
    for (const bad of ['PR(:)', 'PR(5:5)', 'PR(9:1)', 'PR(300)', 'pr(300:)', 'PR(-1:)']) expect(parseStatistic(bad)).toBeUndefined();
  });

  it('counts samples above the lower bound and at or below the upper, in percent', () => {
    const bucket = { count: 4, sum: 1000, min: 100, max: 400, samples: [100, 200, 300, 400] };
    expect(computeStatistic(parseStatistic('PR(200:)')!, bucket)).toBe(50);
    expect(computeStatistic(parseStatistic('PR(:200)')!, bucket)).toBe(50);
    expect(computeStatistic(parseStatistic('PR(100:300)')!, bucket)).toBe(50);
  });

  it('reads a count metric without samples as its ones and zeros', () => {
    const errors = { count: 10, sum: 3, min: 0, max: 1 };
    expect(computeStatistic(parseStatistic('PR(0:)')!, errors)).toBe(30);
    expect(computeStatistic(parseStatistic('PR(:0.5)')!, errors)).toBe(70);
  });
});
