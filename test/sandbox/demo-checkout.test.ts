import { describe, expect, it } from 'vitest';
import { drawLatencyMs, simulateCheckout } from '../../functions/demo/checkout/simulate.js';
import { seededRandom } from './support.js';

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.ceil((p / 100) * values.length) - 1] ?? NaN;
const draws = (profile: Parameters<typeof drawLatencyMs>[0], n = 5_000) => {
  const random = seededRandom(42);
  return Array.from({ length: n }, () => drawLatencyMs(profile, random));
};

describe('the demo checkout simulation', () => {
  it('keeps v1 cheap: a median near 20 ms and a p99 near 3.2 × the median', () => {
    const v1 = draws({ build: 'v1' });
    expect(percentile(v1, 50)).toBeGreaterThan(15);
    expect(percentile(v1, 50)).toBeLessThan(25);
    expect(percentile(v1, 99) / percentile(v1, 50)).toBeCloseTo(Math.exp(0.5 * 2.326), 0);
  });

  it("gives v4's profile three times v1's p99 on the same draws", () => {
    const ratio = percentile(draws({ build: 'v4', latencyScale: 3 }), 99) / percentile(draws({ build: 'v1' }), 99);
    expect(ratio).toBeCloseTo(3, 9);
  });

  it('fails at its failure rate and otherwise confirms the order', async () => {
    const fast = { medianMs: 0.01, random: seededRandom(1) };
    await expect(simulateCheckout({ cartId: 'c-9' }, { build: 'v3', failureRate: 1, ...fast })).rejects.toThrow(/checkout c-9 failed/);
    await expect(simulateCheckout({ cartId: 'c-9' }, { build: 'v1', ...fast })).resolves.toMatchObject({ status: 'confirmed', cartId: 'c-9', build: 'v1' });
  });
});
