import type { EvidenceResult } from '../decision.js';
import { count, percent, stat } from '../format.js';
import type { ArmStats } from '../metrics.js';
import type { Evidence } from '../policy.js';
import { ratioLogLikelihood, type CountPair } from './sprt.js';

/**
 * The floor route's alternative: a rate a quarter of the floor. exp(−Λ) of "p = floor" against it
 * is a supermartingale for every p ≥ floor, so Ville's bound holds for the whole composite.
 */
const FLOOR_ALTERNATIVE = 0.25;

function floorLogLikelihood(requests: number, errors: number, floor: number): number {
  const alternative = floor * FLOOR_ALTERNATIVE;
  return errors * Math.log(floor / alternative) + (requests - errors) * Math.log((1 - floor) / (1 - alternative));
}

/** The routes a release may rule out its target by, fixed before it starts. */
export interface EvidenceRoutes {
  /** The new version's error rate shown below the policy's floor. */
  readonly floor: boolean;
  /** Paired probes, when the release asks for them. */
  readonly probes: boolean;
}

/**
 * The floor route only helps where the stable version runs below the floor: above it, a version
 * would have to be several times better than the stable one to get there, and it would have ruled
 * out the ratio long before. Dropping it there gives the ratio route all of β. Decided from the
 * pre-flight's reading of the stable version, never from the new version's counts.
 */
export function evidenceRoutes(evidence: Evidence, stableErrorRate: number | undefined, probes: boolean): EvidenceRoutes {
  return { floor: stableErrorRate === undefined || stableErrorRate < evidence.floor, probes };
}

const ALL_ROUTES: EvidenceRoutes = { floor: true, probes: false };

/**
 * Each route spends an equal part of β (the ratio, the floor where it can help, paired probes
 * when asked for), so a version bad on every count reaches 100% with probability at most β.
 */
export function ruleOutLevel(evidence: Evidence, routes: EvidenceRoutes = ALL_ROUTES): number {
  return Math.log(evidence.beta / (1 + Number(routes.floor) + Number(routes.probes)));
}

/** The expected fall of a statistic per draw and its second moment, for a version as good as the stable one. */
export interface StepMoments {
  readonly drift: number;
  readonly second: number;
}

/**
 * Λ(ρ) per error of either version, when the new version has `share` of the traffic: an error
 * lands on it with probability θ₁ = share and moves Λ by ln(θ_ρ/θ₁), else by ln((1−θ_ρ)/(1−θ₁)).
 * The drift is KL(θ₁ ‖ θ_ρ): near share 50% an error says the most, at 1% it says little.
 */
export function ratioMoments(share: number, ratio: number): StepMoments {
  if (share <= 0 || share >= 1) return { drift: 0, second: 0 };
  const theta = (ratio * share) / (ratio * share + 1 - share);
  const onCanary = Math.log(theta / share);
  const onStable = Math.log((1 - theta) / (1 - share));
  return { drift: -(share * onCanary + (1 - share) * onStable), second: share * onCanary ** 2 + (1 - share) * onStable ** 2 };
}

/** The floor route's statistic per new-version request at error rate p. */
export function floorMoments(p: number, floor: number): StepMoments {
  const onError = Math.log(1 / FLOOR_ALTERNATIVE);
  const onSuccess = Math.log((1 - floor) / (1 - floor * FLOOR_ALTERNATIVE));
  return { drift: -(p * onError + (1 - p) * onSuccess), second: p * onError ** 2 + (1 - p) * onSuccess ** 2 };
}

/** Whether the errors since the start rule out the policy's target regression, and how far there is to go. */
export function ruleOutEvidence(sequence: readonly { canary: ArmStats; baseline: ArmStats }[], evidence: Evidence, routes: EvidenceRoutes = ALL_ROUTES): EvidenceResult {
  const pairs: CountPair[] = sequence.map(({ canary, baseline }) => ({
    canaryTotal: canary.invocations,
    canaryEvents: canary.errors,
    baselineTotal: baseline.invocations,
    baselineEvents: baseline.errors,
  }));
  const sum = (pick: (pair: CountPair) => number) => pairs.reduce((total, pair) => total + pick(pair), 0);
  const canaryRequests = sum((pair) => pair.canaryTotal);
  const canaryErrors = sum((pair) => pair.canaryEvents);
  const baselineRequests = sum((pair) => pair.baselineTotal);
  const baselineErrors = sum((pair) => pair.baselineEvents);
  const level = ruleOutLevel(evidence, routes);
  const logLikelihood = ratioLogLikelihood(pairs, evidence.ruleOut);
  const byRatio = logLikelihood <= level;
  const floorStatistic = floorLogLikelihood(canaryRequests, canaryErrors, evidence.floor);
  const byFloor = routes.floor && floorStatistic <= level;
  const ruledOut = byRatio || byFloor;
  const requestsLeft = ruledOut ? 0 : requestsStillNeeded(pairs.at(-1), logLikelihood, routes.floor ? floorStatistic : undefined, level, evidence, baselineRequests > 0 ? baselineErrors / baselineRequests : undefined);
  const target = `${evidence.ruleOut}× the stable error rate`;
  const counts = `${count(canaryErrors)}/${count(canaryRequests)} errors on the new version, ${count(baselineErrors)}/${count(baselineRequests)} on the stable`;
  const note = ruledOut
    ? `ruled out ${byRatio ? target : `an error rate above ${percent(evidence.floor)}`} (${counts}; log-likelihood ${stat(logLikelihood)} ≤ ${stat(level)})`
    : `not yet ruled out ${target} (${counts}; log-likelihood ${stat(logLikelihood)}, needs ≤ ${stat(level)}${requestsLeft === undefined || requestsLeft === 0 ? '' : `, about ${count(requestsLeft)} more requests on the new version`})`;
  return { ruledOut, by: byRatio ? 'ratio' : byFloor ? 'floor' : undefined, ratio: evidence.ruleOut, logLikelihood, level, canaryRequests, canaryErrors, baselineRequests, baselineErrors, requestsLeft, note };
}

/** New-version requests still needed at the latest period's split and the stable rate so far, by the faster route. */
function requestsStillNeeded(latest: CountPair | undefined, ratioStatistic: number, floorStatistic: number | undefined, level: number, evidence: Evidence, stableRate: number | undefined): number | undefined {
  if (latest === undefined || stableRate === undefined || latest.canaryTotal <= 0) return undefined;
  const share = latest.canaryTotal / (latest.canaryTotal + latest.baselineTotal);
  const perError = ratioMoments(share, evidence.ruleOut).drift;
  // Errors of both versions per new-version request: the stable rate over the new version's share.
  const byRatio = perError > 0 && stableRate > 0 ? ((ratioStatistic - level) / perError) * (share / stableRate) : Number.POSITIVE_INFINITY;
  const floorDrift = floorMoments(stableRate, evidence.floor).drift;
  const byFloor = floorStatistic !== undefined && floorDrift > 0 ? (floorStatistic - level) / floorDrift : Number.POSITIVE_INFINITY;
  const left = Math.min(byRatio, byFloor);
  return Number.isFinite(left) ? Math.max(0, Math.ceil(left)) : undefined;
}
