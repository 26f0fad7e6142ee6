import type { AliasRouting } from '../core/release.js';
import type { Release } from '../core/release.js';
import type { TrafficRouter } from '../ports.js';

/** Plans give weights to four decimals; Lambda reads them back as fractions with float dust. */
const WEIGHT_TOLERANCE = 5e-5;

/** How the alias routes when the new version has `weight` percent of the traffic. */
export function routingFor(release: Release, weight: number): AliasRouting {
  if (weight <= 0) return { functionVersion: release.stableVersion };
  if (weight >= 100) return { functionVersion: release.version };
  return { functionVersion: release.stableVersion, additionalVersion: release.version, additionalWeight: weight };
}

export function sameRouting(a: AliasRouting, b: AliasRouting): boolean {
  const extra = (routing: AliasRouting) => (routing.additionalVersion !== undefined && (routing.additionalWeight ?? 0) > 0 ? routing : undefined);
  const left = extra(a);
  const right = extra(b);
  if (a.functionVersion !== b.functionVersion) return false;
  if (left === undefined || right === undefined) return left === right;
  return left.additionalVersion === right.additionalVersion && Math.abs((left.additionalWeight ?? 0) - (right.additionalWeight ?? 0)) < WEIGHT_TOLERANCE;
}

/**
 * Whether the alias routes as the release left it: at its decided weight, or still at the weight
 * last read back (a shift decided but not yet made). Anything else is someone else's change.
 */
export function routesAsExpected(release: Release, actual: AliasRouting): boolean {
  return sameRouting(actual, routingFor(release, release.weight)) || sameRouting(actual, routingFor(release, release.aliasWeight));
}

/**
 * The AWS CLI command that makes the alias route as `routing`, for a person to copy. Lambda takes
 * weights as fractions, to six decimals as the router writes them: 10% is 0.1.
 *
 *   aws lambda update-alias --function-name checkout --name live --function-version 1 \
 *     --routing-config '{"AdditionalVersionWeights":{"2":0.1}}'
 */
export function updateAliasCommand(release: Pick<Release, 'function' | 'alias'>, routing: AliasRouting): string {
  const extra = routing.additionalVersion !== undefined && (routing.additionalWeight ?? 0) > 0 ? routing : undefined;
  const weights = extra === undefined ? {} : { [extra.additionalVersion!]: Math.round((extra.additionalWeight ?? 0) * 10_000) / 1_000_000 };
  const config = JSON.stringify({ AdditionalVersionWeights: weights });
  return `aws lambda update-alias --function-name ${release.function} --name ${release.alias} --function-version ${routing.functionVersion} --routing-config '${config}'`;
}

/** Sets the alias to `weight` percent on the new version; the router reads it back before answering. */
export function applyWeight(router: TrafficRouter, release: Release, weight: number): Promise<AliasRouting> {
  if (weight <= 0) return router.rollback(release.function, release.alias, release.stableVersion);
  if (weight >= 100) return router.promote(release.function, release.alias, release.version);
  return router.shift(release.function, release.alias, release.stableVersion, release.version, weight);
}
