import { commitTimeIssue } from '../core/commit.js';
import { InputError } from '../core/errors.js';
import type { ReleaseEvent } from '../core/events.js';
import { applyEvent } from '../core/reducer.js';
import type { Plan, Step } from '../core/plan.js';
import { parsePolicy } from '../core/policy.js';
import { createRelease, type CommitInfo, type NewRelease, type Release } from '../core/release.js';
import { resolvePlan } from '../core/resolve-plan.js';
import { parseSynthetic } from '../core/synthetic.js';
import type { Risk } from '../core/risk.js';
import { AliasBusyError, NotFoundError, VersionRejectedError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { UnsupportedError } from './errors.js';

export interface FlagChange {
  readonly key: string;
  readonly cohort: string;
  readonly percent: number;
}

export interface StartReleaseInput {
  readonly function: string;
  readonly alias: string;
  readonly version: string;
  readonly codeSha256?: string | undefined;
  /** A preset's name or a plan object; the default preset when absent. */
  readonly plan?: unknown;
  readonly risk: Risk;
  /** The default policy when absent. */
  readonly policy?: unknown;
  /** Flag ramps made under the same gates, just before promotion (see withFlagSteps). */
  readonly flags?: readonly FlagChange[] | undefined;
  readonly commit?: CommitInfo | undefined;
  readonly description?: string | undefined;
  /** Synthetic evidence: lifecycle hooks and paired probes (SyntheticSchema in lib/core/synthetic.ts). */
  readonly synthetic?: unknown;
}

/**
 * The release's flag changes become flag steps after its last step, each followed by a bake as
 * long as the last traffic step's, so the SLIs judge the capability before promotion.
 */
export function withFlagSteps(plan: Plan, flags: readonly FlagChange[] | undefined): Plan {
  if (flags === undefined || flags.length === 0) return plan;
  const lastTraffic = plan.steps.findLast((step) => step.type === 'traffic');
  const bake = lastTraffic?.type === 'traffic' && lastTraffic.minBake !== '0s' ? lastTraffic.minBake : '5m';
  const added: Step[] = flags.flatMap((flag): Step[] => [
    { type: 'flag', key: flag.key, cohort: flag.cohort, percent: flag.percent },
    { type: 'bake', duration: bake },
  ]);
  return { ...plan, steps: [...plan.steps, ...added] };
}

/**
 * Starts a release: validates the plan, the policy and the version, records the stable version
 * and the flag versions the plan touches, takes the alias's lock and writes the first event.
 * The evaluator shifts the first traffic on its next tick.
 */
export async function startRelease(deps: EngineDeps, input: StartReleaseInput, actor: string): Promise<Release> {
  const commitIssue = input.commit === undefined ? undefined : commitTimeIssue(input.commit.authoredAt, deps.clock.now());
  if (commitIssue !== undefined) throw new InputError([commitIssue]);
  const plan = withFlagSteps(resolvePlan(input.plan, input.risk), input.flags);
  const policy = parsePolicy(input.policy);
  const flagKeys = [...new Set(plan.steps.flatMap((step) => (step.type === 'flag' ? [step.key] : [])))];
  if (flagKeys.length > 0 && deps.flags === undefined) throw new UnsupportedError('this plan changes flags, but this deployment has no flag store');
  const synthetic = parseSynthetic(input.synthetic);
  if (synthetic !== undefined && deps.invoker === undefined) throw new UnsupportedError('this release asks for synthetic evidence, but this deployment cannot invoke functions');

  let routing;
  try {
    routing = await deps.router.read(input.function, input.alias);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new VersionRejectedError(input.function, input.version, 'alias_not_found', `alias ${input.function}:${input.alias} does not exist; create it on the stable version first`);
    }
    throw error;
  }
  if (routing.additionalVersion !== undefined && (routing.additionalWeight ?? 0) > 0) throw new AliasBusyError(input.function, input.alias, routing);
  const stableVersion = routing.functionVersion;
  if (input.version === stableVersion) {
    throw new VersionRejectedError(input.function, input.version, 'same_version', `version ${input.version} is already what ${input.function}:${input.alias} runs`);
  }
  await deps.router.validateVersion({ functionName: input.function, version: input.version, stableVersion, codeSha256: input.codeSha256 });

  const flagVersions: Record<string, number | null> = {};
  for (const key of flagKeys) flagVersions[key] = await deps.flags!.currentVersion(key);

  const now = deps.clock.now();
  const asked: NewRelease = {
    id: deps.newId(),
    function: input.function,
    alias: input.alias,
    version: input.version,
    stableVersion,
    codeSha256: input.codeSha256,
    risk: input.risk,
    plan,
    policy,
    commit: input.commit,
    description: input.description,
    createdBy: actor,
    flagVersions,
    createdAt: new Date(now).toISOString(),
    // Only when asked for: the created event of every other release stays as it was.
    ...(synthetic === undefined ? {} : { synthetic }),
  };
  const fresh = createRelease(asked);
  // The created event records what was asked for, not state: replaying it rebuilds the release.
  const created: ReleaseEvent = { type: 'created', at: fresh.createdAt, release: asked };
  const release = { ...applyEvent(fresh, created), nextEvaluationAt: fresh.createdAt };
  const saved = await deps.store.create(release, created);
  deps.logger.info('release created', { releaseId: saved.id, function: saved.function, alias: saved.alias, version: saved.version, stableVersion });
  return saved;
}
