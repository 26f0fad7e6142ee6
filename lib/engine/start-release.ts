import { commitTimeIssue } from '../core/commit.js';
import { InputError } from '../core/errors.js';
import type { ReleaseEvent } from '../core/events.js';
import { applyEvent } from '../core/reducer.js';
import type { Plan, Step } from '../core/plan.js';
import { parsePolicy, type Policy } from '../core/policy.js';
import { preflight, requireProbes, type Preflight } from '../core/preflight.js';
import { createRelease, type CommitInfo, type NewRelease, type Release } from '../core/release.js';
import { resolvePlan } from '../core/resolve-plan.js';
import { parseSynthetic, type SyntheticConfig } from '../core/synthetic-config.js';
import type { Risk } from '../core/risk.js';
import { AliasBusyError, NotFoundError, VersionRejectedError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { PlanInfeasibleError, UnsupportedError } from './errors.js';

/** How far back the pre-flight reads the stable version's traffic. */
export const STABLE_WINDOW_MINUTES = 60;

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

/** What a release would run, checked against the world but not started. */
export interface ReleasePreview {
  readonly stableVersion: string;
  /** The plan as it would run: the pre-flight may raise its first weight at low traffic. */
  readonly plan: Plan;
  readonly policy: Policy;
  readonly synthetic: SyntheticConfig | undefined;
  readonly preflight: Preflight;
  /** Whether the release would keep the report: it read the stable version's traffic, or has latency objectives to count against. */
  readonly keepsPreflight: boolean;
}

/**
 * The stable version's recent traffic through the pre-flight. A source that cannot read it (or
 * fails) leaves the release to be judged as it goes; the reason is logged and said in the warning.
 */
async function forecast(deps: EngineDeps, input: StartReleaseInput, stableVersion: string, plan: Plan, policy: Policy) {
  let reading;
  try {
    reading = deps.metrics.readStable === undefined
      ? undefined
      : await deps.metrics.readStable({ functionName: input.function, alias: input.alias, version: stableVersion, windowMinutes: STABLE_WINDOW_MINUTES, to: deps.clock.now() });
  } catch (error) {
    // The port promises not to reject; a forecast is never worth refusing a release over a bug in one.
    reading = { ok: false as const, reason: error instanceof Error ? error.message : String(error) };
  }
  if (reading?.ok === false) deps.logger.warn('no stable traffic reading for the pre-flight', { function: input.function, alias: input.alias, stableVersion, reason: reading.reason });
  const result = preflight(plan, policy, input.risk, reading?.ok === true ? reading.traffic : undefined);
  if (reading?.ok !== false) return result;
  const warnings = result.report.warnings.map((warning) => (warning.code === 'no_traffic_reading' ? { ...warning, message: `${reading.reason}: ${warning.message}` } : warning));
  return { plan: result.plan, report: { ...result.report, warnings } };
}

/**
 * Everything a release checks before it starts: the commit time, the plan, the policy, the alias
 * and the version, then the pre-flight on the stable version's traffic. Changes nothing.
 */
export async function previewRelease(deps: EngineDeps, input: StartReleaseInput): Promise<ReleasePreview> {
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
  const result = await forecast(deps, input, stableVersion, plan, policy);
  const report = requireProbes(result.report, synthetic?.probes !== undefined);
  const keepsPreflight = report.traffic !== undefined || Object.keys(report.latencyObjectivesMs).length > 0;
  return { stableVersion, plan: result.plan, policy, synthetic, preflight: report, keepsPreflight };
}

/**
 * Starts a release: validates the plan, the policy and the version, runs the pre-flight (which
 * may raise the first weight, or refuse a plan its traffic cannot judge), records the stable
 * version and the flag versions the plan touches, takes the alias's lock and writes the first
 * event. The evaluator shifts the first traffic on its next tick.
 */
export async function startRelease(deps: EngineDeps, input: StartReleaseInput, actor: string): Promise<Release> {
  const { stableVersion, plan, policy, synthetic, preflight: report, keepsPreflight } = await previewRelease(deps, input);
  if (report.mode === 'refused') throw new PlanInfeasibleError(input.function, input.alias, plan, report);
  const flagKeys = [...new Set(plan.steps.flatMap((step) => (step.type === 'flag' ? [step.key] : [])))];
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
    // Kept when it says something the release runs on: a traffic reading, or latency objectives.
    ...(keepsPreflight ? { preflight: report } : {}),
  };
  const fresh = createRelease(asked);
  // The created event records what was asked for, not state: replaying it rebuilds the release.
  const created: ReleaseEvent = { type: 'created', at: fresh.createdAt, release: asked };
  const release = { ...applyEvent(fresh, created), nextEvaluationAt: fresh.createdAt };
  const saved = await deps.store.create(release, created);
  deps.logger.info('release created', { releaseId: saved.id, function: saved.function, alias: saved.alias, version: saved.version, stableVersion, preflightMode: report.mode });
  return saved;
}
