import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

/**
 * Mann-Whitney U test, one-sided: is `treatment` stochastically larger than `control`?
 * Exact by enumerating every split when there are few samples (ties handled by mid-ranks),
 * the tie-corrected normal approximation otherwise.
 */
export function mannWhitneyGreaterPValue(treatment: readonly number[], control: readonly number[]): number {
  const m = treatment.length;
  const n = control.length;
  if (m === 0 || n === 0) return 1;
  const pooled = [...treatment, ...control];
  const ranks = midRanks(pooled);
  const observed = ranks.slice(0, m).reduce((sum, rank) => sum + rank, 0);
  if (binomial(m + n, m) <= 20_000) {
    let atLeast = 0;
    let total = 0;
    forEachSubset(m + n, m, (indices) => {
      const sum = indices.reduce((acc, index) => acc + ranks[index]!, 0);
      total += 1;
      if (sum >= observed - 1e-9) atLeast += 1;
    });
    return atLeast / total;
  }
  const u = observed - (m * (m + 1)) / 2;
  const mean = (m * n) / 2;
  const tieTerm = tieCorrection(pooled);
  const variance = ((m * n) / 12) * (m + n + 1 - tieTerm / ((m + n) * (m + n - 1)));
  if (variance <= 0) return 1;
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return 1 - normalCdf(z, 0, 1);
}

function midRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length).fill(0);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end += 1;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k += 1) ranks[order[k]!.index] = rank;
    start = end + 1;
  }
  return ranks;
}

function tieCorrection(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let sum = 0;
  for (const count of counts.values()) sum += count ** 3 - count;
  return sum;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i += 1) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

function forEachSubset(n: number, k: number, visit: (indices: readonly number[]) => void): void {
  const chosen: number[] = [];
  const walk = (start: number) => {
    if (chosen.length === k) {
      visit(chosen);
      return;
    }
    for (let index = start; index <= n - (k - chosen.length); index += 1) {
      chosen.push(index);
      walk(index + 1);
      chosen.pop();
    }
  };
  walk(0);
}
