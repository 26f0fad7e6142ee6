import binomial from '@stdlib/random-base-binomial';
import poisson from '@stdlib/random-base-poisson';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { ArmStats } from '../metrics.js';

/** How one version behaves: its error rate and its lognormal latency. */
export interface VersionBehaviour {
  readonly errorRate: number;
  readonly latencyMedianMs: number;
  readonly latencySigma: number;
}

export interface WorldConfig {
  /** Requests per minute across both versions (the mean of a Poisson draw). */
  readonly requestsPerMinute: number;
  readonly baseline: VersionBehaviour;
  readonly canary: VersionBehaviour;
  /** Before this minute the new version behaves like the baseline. */
  readonly degradeFromMinute: number;
  /** In the first minute after each weight change, this share of new-version requests is slower by `addMs`. */
  readonly coldStart: { readonly fraction: number; readonly addMs: number };
  /** What the world does besides noise and bursts, for the robustness scenarios. */
  readonly effects?: WorldEffects | undefined;
}

export interface WorldEffects {
  /** Traffic grows linearly to `factor`× over `overMinutes` (a daily ramp), then stays. */
  readonly ramp?: { readonly factor: number; readonly overMinutes: number } | undefined;
  /** A shared incident: both versions' error rates × `factor` from `fromMinute` for `minutes`. */
  readonly incident?: { readonly fromMinute: number; readonly minutes: number; readonly factor: number } | undefined;
  /** The share of minutes in which the new version gets no requests at all (sticky clients, idle spells). */
  readonly canaryGapShare?: number | undefined;
  /** The newest minute is first seen with only part of its datapoints (30–100% per version), complete a minute later. */
  readonly lateMetrics?: boolean | undefined;
}

export interface MinuteTraffic {
  readonly canary: ArmStats;
  readonly baseline: ArmStats;
}

const BURST_START_PROBABILITY = 0.02;
const BURST_FACTOR = 5;
const MAX_BURST_MINUTES = 3;

// One generator, reseeded for every (seed, minute, stream): draws depend only on those, so every
// policy sees the same traffic for a seed until its own actions change the weight.
let generator = xoroshiro128plus(0);
const uniform = () => uniformFloat64(generator);
const drawPoisson = poisson.factory({ prng: uniform });
const binomialDraw = binomial.factory({ prng: uniform });
// stdlib answers NaN for zero trials, and a NaN count would send the gamma sampler round forever.
const drawBinomial = (trials: number, probability: number) => (trials <= 0 || probability <= 0 ? 0 : probability >= 1 ? trials : binomialDraw(trials, probability));
const drawNormal = () => normalQuantile(Math.min(1 - 1e-12, Math.max(1e-12, uniform())), 0, 1);

/**
 * Gamma(shape) by Marsaglia & Tsang (2000), "A simple method for generating gamma variables".
 * Written here because stdlib's beta and gamma keep a hidden normal generator whose state
 * outlives a reseed, which would make runs depend on what ran before them.
 */
function drawGamma(shape: number): number {
  if (!(shape > 0 && Number.isFinite(shape))) throw new RangeError(`gamma shape must be a positive number, not ${shape}`);
  if (shape < 1) return drawGamma(shape + 1) * uniform() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = drawNormal();
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = uniform();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

const drawBeta = (a: number, b: number) => {
  const x = drawGamma(a);
  return x / (x + drawGamma(b));
};

/** FNV-1a over the stream's name: a stable 32-bit seed from a string. */
function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function reseed(seed: string, minute: number, stream: string): void {
  generator = xoroshiro128plus(hashSeed(`${seed}|${minute}|${stream}`));
}

/** Whether a shared error burst covers `minute`: bursts start with probability 0.02 and last 1–3 minutes. */
function inBurst(seed: string, minute: number): boolean {
  for (let back = 0; back < MAX_BURST_MINUTES && minute - back >= 0; back += 1) {
    reseed(seed, minute - back, 'burst');
    const starts = uniform() < BURST_START_PROBABILITY;
    const length = 1 + Math.floor(uniform() * MAX_BURST_MINUTES);
    if (starts && length > back) return true;
  }
  return false;
}

/**
 * The latency a version's requests reach at quantile q: lognormal, with an optional share of
 * cold starts shifted by `addMs`. Solved by bisection on the mixture's CDF.
 */
function mixtureQuantile(behaviour: VersionBehaviour, coldShare: number, addMs: number, q: number): number {
  const mu = Math.log(behaviour.latencyMedianMs);
  const cdf = (x: number) => {
    const warm = normalCdf(Math.log(x), mu, behaviour.latencySigma);
    const cold = x > addMs ? normalCdf(Math.log(x - addMs), mu, behaviour.latencySigma) : 0;
    return (1 - coldShare) * warm + coldShare * cold;
  };
  let low = 0;
  let high = behaviour.latencyMedianMs * Math.exp(8 * behaviour.latencySigma) + addMs;
  for (let iteration = 0; iteration < 50; iteration += 1) {
    const middle = (low + high) / 2;
    if (cdf(middle) < q) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** The share of a version's requests slower than `limitMs`, cold starts included. */
function slowShare(behaviour: VersionBehaviour, coldShare: number, addMs: number, limitMs: number): number {
  const mu = Math.log(behaviour.latencyMedianMs);
  const above = (x: number) => (x <= 0 ? 1 : 1 - normalCdf(Math.log(x), mu, behaviour.latencySigma));
  return Math.min(1, Math.max(0, (1 - coldShare) * above(limitMs) + coldShare * above(limitMs - addMs)));
}

/**
 * The nearest-rank sample quantile of n requests, drawn exactly: the k-th smallest of n uniforms
 * is Beta(k, n + 1 − k), mapped through the latency distribution. With 10 requests a p99 is
 * simply their maximum, as CloudWatch would report it.
 */
function sampleQuantile(behaviour: VersionBehaviour, coldShare: number, addMs: number, q: number, n: number): number {
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return mixtureQuantile(behaviour, coldShare, addMs, drawBeta(rank, n + 1 - rank));
}

function arm(behaviour: VersionBehaviour, requests: number, sharedNoise: number, coldShare: number, addMs: number, slowAboveMs: Readonly<Record<string, number>>): ArmStats {
  const ownNoise = Math.exp(0.1 * drawNormal() - 0.005);
  // Noise moves a rate up and down, but a version that always fails keeps failing.
  const probability = behaviour.errorRate >= 1 ? 1 : Math.min(1, behaviour.errorRate * sharedNoise * ownNoise);
  const errors = requests > 0 && probability > 0 ? drawBinomial(requests, probability) : 0;
  const names = Object.keys(slowAboveMs);
  if (requests === 0) return { invocations: 0, errors: 0, throttles: 0, ...(names.length > 0 ? { slow: Object.fromEntries(names.map((name) => [name, 0])) } : {}) };
  const slow = names.length > 0 ? Object.fromEntries(names.map((name) => [name, drawBinomial(requests, slowShare(behaviour, coldShare, addMs, slowAboveMs[name]!))])) : undefined;
  return {
    invocations: requests,
    errors,
    throttles: 0,
    ...(slow ? { slow } : {}),
    p50: sampleQuantile(behaviour, coldShare, addMs, 0.5, requests),
    p90: sampleQuantile(behaviour, coldShare, addMs, 0.9, requests),
    p99: sampleQuantile(behaviour, coldShare, addMs, 0.99, requests),
  };
}

/**
 * One simulated minute of traffic, seeded by (seed, minute): total requests ~ Poisson(R), the new
 * version's share ~ Binomial(N, weight), shared noise exp(0.3z − 0.045) with bursts ×5, per-version
 * noise exp(0.1z − 0.005), errors ~ Binomial(n, p·shared·own). The model of ANALYSIS.md.
 */
export function simulateMinute(
  world: WorldConfig,
  seed: string,
  minute: number,
  weight: number,
  minutesSinceWeightChange: number,
  slowAboveMs: Readonly<Record<string, number>> = {},
): MinuteTraffic {
  const effects = world.effects ?? {};
  const burst = inBurst(seed, minute);
  reseed(seed, minute, 'traffic');
  const ramp = effects.ramp ? 1 + (effects.ramp.factor - 1) * Math.min(1, minute / effects.ramp.overMinutes) : 1;
  const total = drawPoisson(world.requestsPerMinute * ramp);
  const gap = effects.canaryGapShare !== undefined && uniform() < effects.canaryGapShare;
  const share = gap ? 0 : Math.min(1, Math.max(0, weight / 100));
  const canaryRequests = share <= 0 ? 0 : share >= 1 ? total : drawBinomial(total, share);
  const incident = effects.incident && minute >= effects.incident.fromMinute && minute < effects.incident.fromMinute + effects.incident.minutes ? effects.incident.factor : 1;
  const sharedNoise = Math.exp(0.3 * drawNormal() - 0.045) * (burst ? BURST_FACTOR : 1) * incident;

  reseed(seed, minute, 'baseline');
  const baseline = arm(world.baseline, total - canaryRequests, sharedNoise, 0, 0, slowAboveMs);
  reseed(seed, minute, 'canary');
  const behaviour = minute >= world.degradeFromMinute ? world.canary : world.baseline;
  const coldShare = minutesSinceWeightChange === 0 ? world.coldStart.fraction : 0;
  const canary = arm(behaviour, canaryRequests, sharedNoise, coldShare, world.coldStart.addMs, slowAboveMs);
  return { canary, baseline };
}

/**
 * The minute as first seen when metrics land late: each version's counts thinned to a share of
 * 30–100%, drawn from (seed, minute), as CloudWatch serves a minute whose datapoints are still arriving.
 */
export function partialMinute(traffic: MinuteTraffic, seed: string, minute: number): MinuteTraffic {
  reseed(seed, minute, 'late');
  const thin = (stats: ArmStats): ArmStats => {
    const share = 0.3 + 0.7 * uniform();
    const keep = (count: number) => (count > 0 ? drawBinomial(count, share) : 0);
    const invocations = keep(stats.invocations);
    const slow = stats.slow === undefined ? undefined : Object.fromEntries(Object.entries(stats.slow).map(([name, count]) => [name, Math.min(invocations, keep(count))]));
    return { ...stats, invocations, errors: Math.min(invocations, keep(stats.errors)), ...(slow ? { slow } : {}) };
  };
  return { canary: thin(traffic.canary), baseline: thin(traffic.baseline) };
}

/** A version's latency quantile q without cold starts, as a pre-flight reading its recent traffic would see it. */
export function latencyQuantile(behaviour: VersionBehaviour, q: number): number {
  return mixtureQuantile(behaviour, 0, 0, q);
}

/** One tick's paired probes: failed answers out of `pairs` each. */
export interface ProbeDraw {
  readonly canaryErrors: number;
  readonly baselineErrors: number;
}

/**
 * `pairs` sample events sent to each version at `minute`, seeded by (seed, minute). A probe fails
 * at its version's error rate, raised by a shared incident as real requests are; the traffic's
 * noise and bursts are left out, since the probes are the same events every tick.
 */
export function simulateProbes(world: WorldConfig, seed: string, minute: number, pairs: number): ProbeDraw {
  const incident = world.effects?.incident;
  const factor = incident && minute >= incident.fromMinute && minute < incident.fromMinute + incident.minutes ? incident.factor : 1;
  const behaviour = minute >= world.degradeFromMinute ? world.canary : world.baseline;
  reseed(seed, minute, 'probes');
  const failures = (rate: number) => drawBinomial(pairs, rate >= 1 ? 1 : Math.min(1, rate * factor));
  const canaryErrors = failures(behaviour.errorRate);
  return { canaryErrors, baselineErrors: failures(world.baseline.errorRate) };
}
