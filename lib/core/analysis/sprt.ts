/**
 * Anytime-valid sequential tests on counts. Both return a mixture likelihood ratio M; by
 * Ville's inequality P(M ever ≥ 1/α) ≤ α under the null, however often the test looks.
 */

/** Robbins' mixture over ratios ρ_j = 2^(j/2), j = 1…12 (1.4× to 64×), equally weighted. */
export const RATIO_GRID: readonly number[] = Array.from({ length: 12 }, (_, index) => 2 ** ((index + 1) / 2));

export interface CountPair {
  /** New-version requests and errors in one period. */
  readonly canaryTotal: number;
  readonly canaryEvents: number;
  /** Stable-version requests and errors in the same period. */
  readonly baselineTotal: number;
  readonly baselineEvents: number;
}

/**
 * Two-sample mixture SPRT for "the new version's rate is ρ× the baseline's", conditioned on
 * each period's total events k_t = k_c,t + k_b,t (the unknown baseline rate and any noise shared
 * by both versions cancel):
 *
 *   k_c,t | k_t ~ Binomial(k_t, θ_t(ρ)),   θ_t(ρ) = ρ·n_c,t / (ρ·n_c,t + n_b,t)
 *   Λ(ρ) = Σ_t [ k_c,t·ln(θ_t(ρ)/θ_t(1)) + k_b,t·ln((1−θ_t(ρ))/(1−θ_t(1))) ]
 *   M = mean_j exp Λ(ρ_j)
 *
 * Wald (1945); Robbins' mixture SPRT; Lindon & Malek, "Anytime-Valid Inference for Multinomial
 * Count Data" (NeurIPS 2022). Valid while the canary's weight changes between periods. With
 * `wander`, each period's Λ is divided by its dispersion (periodDispersions), so that the versions'
 * own minute-to-minute wander, which at thousands of errors a minute outweighs the binomial, does
 * not pile up as evidence.
 *
 * Example: one minute with 10 canary requests all failing, 990 baseline requests with 5 errors:
 * θ(1) = 0.0101, θ(64) = 0.393, Λ(64) ≈ 10·ln(38.9) + 5·ln(0.613) ≈ 34.2, so M ≈ e^34 / 12 ≫ 100.
 */
export function twoSampleMixture(periods: readonly CountPair[], grid: readonly number[] = RATIO_GRID, capPerPeriod = Number.POSITIVE_INFINITY, wander = true): number {
  const logLikelihoods = grid.map(() => 0);
  const dispersions = dispersionsOf(periods, wander);
  periods.forEach((period, at) => {
    grid.forEach((ratio, index) => {
      // Capping a period's increment only lowers its expectation: each component stays a supermartingale.
      logLikelihoods[index]! += Math.min(capPerPeriod, periodLogLikelihood(period, ratio) / dispersions[at]!);
    });
  });
  return meanOfExp(logLikelihoods);
}

/**
 * How much the two versions' log rate ratio wanders from period to period beyond the binomial,
 * before a release's own periods say: a variance of 0.04 (a 20% wander a minute), worth this much
 * binomial information about ln ρ. Rates wander for reasons no version causes (an unlucky
 * instance, a shifting client mix); at a few errors a minute the binomial dwarfs it, at thousands
 * it dominates.
 */
export const EXCESS_VARIANCE_PRIOR = { variance: 0.04, information: 1000 } as const;

/**
 * Each period's dispersion φ_t = 1 + τ²_t·I_t, where I_t = k_t·θ_t(1−θ_t) is the binomial
 * information about ln ρ and τ²_t the excess variance of the log ratio estimated from the periods
 * before t only: the Pearson residuals of each period around the ratio seen before it, pooled with
 * the prior. Dividing a period's Λ by φ_t is quasi-likelihood (McCullagh & Nelder, ch. 9): when
 * the ratio wanders with variance τ² it keeps exp Λ a martingale in the normal limit, and when the
 * counts are binomial (φ_t ≥ 1, fixed before the period) it only lowers it. A steady regression
 * does not inflate τ²: the residuals are taken around the ratio it shows.
 */
export function periodDispersions(periods: readonly CountPair[], prior: WanderPrior = EXCESS_VARIANCE_PRIOR): number[] {
  return scanWander(periods, prior).dispersions;
}

/** Each period's dispersion, or 1 throughout for counts with nothing to wander (paired probes). */
function dispersionsOf(periods: readonly CountPair[], wander: boolean): number[] {
  return wander ? periodDispersions(periods) : periods.map(() => 1);
}

/** The excess variance τ² of the log ratio the periods show, pooled with the prior: what the next period's dispersion uses. */
export function excessVariance(periods: readonly CountPair[], prior: WanderPrior = EXCESS_VARIANCE_PRIOR): number {
  return scanWander(periods, prior).excessVariance;
}

export interface WanderPrior {
  readonly variance: number;
  readonly information: number;
}

function scanWander(periods: readonly CountPair[], prior: WanderPrior): { dispersions: number[]; excessVariance: number } {
  let excess = prior.variance * prior.information;
  let information = prior.information;
  const seen = { canaryTotal: 0, canaryEvents: 0, baselineTotal: 0, baselineEvents: 0 };
  const current = () => (information > 0 ? Math.max(0, excess / information) : 0);
  const dispersions = periods.map((period) => {
    const { canaryTotal: nc, baselineTotal: nb, canaryEvents: kc, baselineEvents: kb } = period;
    const events = kc + kb;
    if (!(nc > 0 && nb > 0 && events > 0)) return 1;
    const excessVariance = current();
    const share = nc / (nc + nb);
    const dispersion = expectedDispersion(events, share, excessVariance);
    if (seen.canaryTotal > 0 && seen.baselineTotal > 0) {
      // The ratio so far, with half an error on each side so that no errors yet is not a zero ratio.
      const ratio = (seen.canaryEvents + 0.5) / seen.canaryTotal / ((seen.baselineEvents + 0.5) / seen.baselineTotal);
      const theta = (ratio * nc) / (ratio * nc + nb);
      const binomialInformation = events * theta * (1 - theta);
      if (binomialInformation > 0) {
        excess += (kc - events * theta) ** 2 / binomialInformation - 1;
        information += binomialInformation;
      }
    }
    seen.canaryTotal += nc;
    seen.canaryEvents += kc;
    seen.baselineTotal += nb;
    seen.baselineEvents += kb;
    return dispersion;
  });
  return { dispersions, excessVariance: current() };
}

/** φ = 1 + τ²·I for a period with `events` errors of both versions at canary share `share`; a forecast uses the prior's τ². */
export function expectedDispersion(events: number, share: number, variance: number = EXCESS_VARIANCE_PRIOR.variance): number {
  return 1 + variance * events * share * (1 - share);
}

/** One period's Λ(ρ) of the conditional binomial; 0 when the period cannot tell the versions apart. */
function periodLogLikelihood(period: CountPair, ratio: number): number {
  const { canaryTotal: nc, baselineTotal: nb, canaryEvents: kc, baselineEvents: kb } = period;
  if (nc <= 0 || nb <= 0 || kc + kb === 0) return 0;
  const theta1 = nc / (nc + nb);
  const theta = (ratio * nc) / (ratio * nc + nb);
  return kc * Math.log(theta / theta1) + kb * Math.log((1 - theta) / (1 - theta1));
}

/**
 * Λ(ρ) summed over periods: the log-likelihood ratio of "the new version's rate is ρ× the
 * baseline's" against "the same rate". Ruling ρ out is Λ(ρ) ≤ ln β: under ρ, exp(−Λ(ρ)) is a
 * martingale, so by Ville's inequality a version that really is ρ× worse gets there with
 * probability at most β, however often the gate looks.
 */
export function ratioLogLikelihood(periods: readonly CountPair[], ratio: number, wander = true): number {
  const dispersions = dispersionsOf(periods, wander);
  return periods.reduce((sum, period, at) => sum + periodLogLikelihood(period, ratio) / dispersions[at]!, 0);
}

/**
 * One-sample mixture SPRT for "the rate is above p0", against the composite null p ≤ p0:
 *   Λ(ρ) = k·ln(ρ) + (n − k)·ln((1 − ρ·p0) / (1 − p0)),  for the ρ on the grid with ρ·p0 < 1.
 * For any p ≤ p0 each exp Λ(ρ) with ρ > 1 is a nonnegative supermartingale, so the bound holds.
 */
export function oneSampleMixture(total: number, events: number, p0: number, grid: readonly number[] = RATIO_GRID): number {
  if (p0 <= 0) return events > 0 ? Number.POSITIVE_INFINITY : 1;
  if (p0 >= 1) return 0;
  const usable = grid.filter((ratio) => ratio * p0 < 1);
  if (usable.length === 0) return 0;
  const logLikelihoods = usable.map((ratio) => events * Math.log(ratio) + (total - events) * Math.log((1 - ratio * p0) / (1 - p0)));
  // Grid points that cannot exist (ρ·p0 ≥ 1) contribute zero evidence, keeping the mixture's weights.
  return (meanOfExp(logLikelihoods) * usable.length) / grid.length;
}

/**
 * The one-sample mixture over a sequence of periods, with each period's log-likelihood ratio
 * capped at `capPerPeriod`. Capping an increment only lowers its expectation, so every
 * component stays a nonnegative supermartingale under the null and Ville's bound still holds;
 * what the cap buys is that a short burst cannot decide alone: with the cap at ln(1/α)/4, a
 * regression has to show in at least four periods.
 */
export function cappedOneSampleMixture(
  periods: readonly { readonly total: number; readonly events: number }[],
  p0: number,
  capPerPeriod: number,
  grid: readonly number[] = RATIO_GRID,
): number {
  if (p0 >= 1) return 0;
  if (p0 <= 0) return periods.some((period) => period.events > 0) ? Number.POSITIVE_INFINITY : 1;
  const usable = grid.filter((ratio) => ratio * p0 < 1);
  if (usable.length === 0) return 0;
  const logLikelihoods = usable.map((ratio) =>
    periods.reduce((sum, { total, events }) => sum + Math.min(capPerPeriod, events * Math.log(ratio) + (total - events) * Math.log((1 - ratio * p0) / (1 - p0))), 0),
  );
  return (meanOfExp(logLikelihoods) * usable.length) / grid.length;
}

/** mean(exp(x)) without overflow. */
function meanOfExp(logs: readonly number[]): number {
  const max = Math.max(...logs);
  if (max === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  const sum = logs.reduce((acc, value) => acc + Math.exp(value - max), 0);
  return Math.exp(max) * (sum / logs.length);
}

/**
 * Wald's expected sample number under H1 for a one-sample SPRT between p0 and p1 with error
 * rates α (false alarm) and β (miss): E1[N] ≈ d(1−β ‖ α) / KL(p1 ‖ p0), the limit any test with
 * those error rates can reach on average. With p0 = 0.5%, p1 = 2.5%, α = 1%, β = 5%: ≈ 204.
 */
export function waldExpectedSamples(p0: number, p1: number, alpha: number, beta: number): number {
  return binaryKl(1 - beta, alpha) / binaryKl(p1, p0);
}

/** KL divergence between Bernoulli(a) and Bernoulli(b), in nats. */
export function binaryKl(a: number, b: number): number {
  const term = (x: number, y: number) => (x === 0 ? 0 : x * Math.log(x / y));
  return term(a, b) + term(1 - a, 1 - b);
}
