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

/** Each route spends half of β, so a version bad on both counts reaches 100% with probability at most β. */
export function ruleOutLevel(evidence: Evidence): number {
  return Math.log(evidence.beta / 2);
}

/**
 * New-version requests a version as good as the stable one needs, on average, to rule out the
 * target: the faster of the two routes at stable error rate p0. Λ(ρ) falls by p0·(ρ − 1 − ln ρ) per
 * request while the new version is a small share of traffic; the floor's statistic by
 * −[p0·ln 4 + (1 − p0)·ln((1 − f)/(1 − f/4))].
 */
export function expectedRequestsToRuleOut(p0: number, evidence: Evidence): number {
  const level = -ruleOutLevel(evidence);
  const ratioDrift = p0 * (evidence.ruleOut - 1 - Math.log(evidence.ruleOut));
  const floorDrift = -(p0 * Math.log(1 / FLOOR_ALTERNATIVE) + (1 - p0) * Math.log((1 - evidence.floor) / (1 - evidence.floor * FLOOR_ALTERNATIVE)));
  const best = Math.max(ratioDrift, floorDrift);
  return best > 0 ? level / best : Number.POSITIVE_INFINITY;
}

/** Whether the errors since the start rule out the policy's target regression, and how far there is to go. */
export function ruleOutEvidence(sequence: readonly { canary: ArmStats; baseline: ArmStats }[], evidence: Evidence): EvidenceResult {
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
  const level = ruleOutLevel(evidence);
  const logLikelihood = ratioLogLikelihood(pairs, evidence.ruleOut);
  const byRatio = logLikelihood <= level;
  const byFloor = floorLogLikelihood(canaryRequests, canaryErrors, evidence.floor) <= level;
  const ruledOut = byRatio || byFloor;
  const stableRate = baselineRequests > 0 ? baselineErrors / baselineRequests : undefined;
  const needed = stableRate === undefined ? undefined : expectedRequestsToRuleOut(stableRate, evidence);
  const requestsLeft = ruledOut ? 0 : needed === undefined || !Number.isFinite(needed) ? undefined : Math.max(0, Math.ceil(needed - canaryRequests));
  const target = `${evidence.ruleOut}× the stable error rate`;
  const counts = `${count(canaryErrors)}/${count(canaryRequests)} errors on the new version, ${count(baselineErrors)}/${count(baselineRequests)} on the stable`;
  const note = ruledOut
    ? `ruled out ${byRatio ? target : `an error rate above ${percent(evidence.floor)}`} (${counts}; log-likelihood ${stat(logLikelihood)} ≤ ${stat(level)})`
    : `not yet ruled out ${target} (${counts}; log-likelihood ${stat(logLikelihood)}, needs ≤ ${stat(level)}${requestsLeft === undefined ? '' : `, about ${count(requestsLeft)} more requests on the new version`})`;
  return { ruledOut, by: byRatio ? 'ratio' : byFloor ? 'floor' : undefined, ratio: evidence.ruleOut, logLikelihood, level, canaryRequests, canaryErrors, baselineRequests, baselineErrors, requestsLeft, note };
}
