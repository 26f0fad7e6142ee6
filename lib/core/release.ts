import type { Decision } from './decision.js';
import type { Plan } from './plan.js';
import type { Policy } from './policy.js';
import type { Preflight } from './preflight.js';
import type { Risk } from './risk.js';
import type { PeriodDigests } from './observations.js';
import type { HookRun, ProbeTick, SyntheticConfig } from './synthetic-config.js';

export const RELEASE_STATES = [
  'pending',
  'progressing',
  'paused',
  'rolling_back',
  'promoted',
  'succeeded',
  'rolled_back',
  'aborted',
] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<ReleaseState> = new Set(['succeeded', 'rolled_back', 'aborted']);
/** States in which the release holds its alias's lock and the evaluator ticks it. */
export const ACTIVE_STATES: ReadonlySet<ReleaseState> = new Set(['pending', 'progressing', 'paused', 'rolling_back', 'promoted']);

export function isTerminal(state: ReleaseState): boolean {
  return TERMINAL_STATES.has(state);
}

export interface ActorRecord {
  readonly actor: string;
  readonly action: string;
  readonly at: string;
  readonly reason?: string | undefined;
}

export interface Approval {
  readonly stepIndex: number;
  readonly role: string;
  readonly actor: string;
  readonly at: string;
}

/** A flag the release changed, and the version to restore when it rolls back. */
export interface FlagTouch {
  /** The plan step that made the change. */
  readonly stepIndex?: number | undefined;
  readonly key: string;
  readonly cohort: string;
  readonly percent: number;
  readonly previousVersion: number | null;
  readonly appliedVersion: number;
  readonly at: string;
}

/**
 * A span in which the alias was not under routing the gate had confirmed: from a pause or drift
 * to the gate's read-back after the resume. No traffic served in it counts for any judgement, and
 * none of its time counts towards a bake.
 */
export interface UnconfirmedSpan {
  readonly from: string;
  /** Unset while the span is open. */
  readonly to?: string | undefined;
  readonly cause: 'paused' | 'drift';
}

/** The alias as the gate found it when someone else had changed it. */
/** The alias as the router reports it: the primary version and the new version's weight (percent). */
export interface AliasRouting {
  readonly functionVersion: string;
  readonly additionalVersion?: string | undefined;
  readonly additionalWeight?: number | undefined;
}

export interface DriftRecord {
  readonly at: string;
  readonly expected: AliasRouting;
  readonly actual: AliasRouting;
}

export interface CommitInfo {
  readonly sha: string;
  readonly authoredAt: string;
}

export interface Release {
  readonly id: string;
  readonly function: string;
  readonly alias: string;
  /** The immutable Lambda version being released. */
  readonly version: string;
  /** The version the alias pointed at before; rollbacks return to it. */
  readonly stableVersion: string;
  readonly codeSha256?: string | undefined;
  readonly risk: Risk;
  readonly plan: Plan;
  readonly policy: Policy;
  readonly state: ReleaseState;
  /** Index into plan.steps; equals plan.steps.length once promoted. -1 while pending. */
  readonly stepIndex: number;
  /** Percent of the alias's traffic the gate has decided the new version gets. */
  readonly weight: number;
  /** Percent last read back from the alias; differs from `weight` until a shift is confirmed. */
  readonly aliasWeight: number;
  /** Increments with every event; the store's conditional writes compare it. */
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string | undefined;
  readonly stepStartedAt?: string | undefined;
  /** When a person last resumed it; a step's progress deadline restarts here. */
  readonly resumedAt?: string | undefined;
  /**
   * When the gate last read the alias back at `weight`. Unset from a change of weight, a pause or
   * a drift until the next read-back: bake time counts only while it is set.
   */
  readonly confirmedAt?: string | undefined;
  /** When the current step's routing was first confirmed: the step's bake and evidence start here. */
  readonly stepConfirmedAt?: string | undefined;
  /** Pauses and drifts since the release started, each until the routing was confirmed again. */
  readonly unconfirmed: readonly UnconfirmedSpan[];
  /** Set while the alias routes as someone else left it, until the gate confirms its own routing. */
  readonly drift?: DriftRecord | undefined;
  readonly promotedAt?: string | undefined;
  readonly rollbackStartedAt?: string | undefined;
  readonly finishedAt?: string | undefined;
  readonly pausedFrom?: 'progressing' | 'promoted' | undefined;
  readonly pauseReason?: string | undefined;
  /** Why the alias is being returned to stable: a rollback, or an abort by a person. */
  readonly rollbackIntent?: 'rollback' | 'abort' | undefined;
  readonly rollbackReason?: string | undefined;
  readonly approvals: readonly Approval[];
  readonly consecutiveMetricErrors: number;
  readonly failedJudgements: number;
  /** The latest decisions, newest last; the full history is in the events. */
  readonly decisions: readonly Decision[];
  readonly actors: readonly ActorRecord[];
  readonly flags: readonly FlagTouch[];
  readonly commit?: CommitInfo | undefined;
  readonly description?: string | undefined;
  /** Who asked for the release (a token's subject). */
  readonly createdBy?: string | undefined;
  /** The version of each flag the plan touches when the release was created; null when the flag did not exist. */
  readonly flagVersions: Readonly<Record<string, number | null>>;
  /** When the evaluator should next look at it; set by the engine, absent once nothing is left to evaluate. */
  readonly nextEvaluationAt?: string | undefined;
  /** What the gate forecast before starting, from the stable version's traffic; absent when it had no reading. */
  readonly preflight?: Preflight | undefined;
  /** SHA-256 of its latest event; set by the store, which chains every event to the one before. */
  readonly chainHead?: string | undefined;
  /** Synthetic evidence the release opted into: lifecycle hooks, paired probes or both. */
  readonly synthetic?: SyntheticConfig | undefined;
  /** Each lifecycle hook's run, in order. */
  readonly hookRuns?: readonly HookRun[] | undefined;
  /** Each tick's paired probes, oldest first (see appendProbeTick for how many are kept). */
  readonly probeTicks?: readonly ProbeTick[] | undefined;
  /** A digest of each stored period, by start: which periods a tick must store (lib/core/observations.ts). */
  readonly observedDigests?: PeriodDigests | undefined;
}

/**
 * A release the gate runs on time alone because its traffic cannot bring the evidence (the policy's
 * `onInfeasible: time`): every view and report labels it unjudged.
 */
export function isUnjudged(release: Pick<Release, 'preflight'>): boolean {
  return release.preflight?.mode === 'time';
}

/** What a release starts from: what was asked for, before any state. */
export type NewRelease = Pick<
  Release,
  'id' | 'function' | 'alias' | 'version' | 'stableVersion' | 'codeSha256' | 'risk' | 'plan' | 'policy' | 'commit' | 'description' | 'createdBy' | 'createdAt' | 'preflight' | 'synthetic'
> & { readonly flagVersions?: Release['flagVersions'] | undefined };

export function createRelease(input: NewRelease): Release {
  return {
    ...input,
    flagVersions: input.flagVersions ?? {},
    state: 'pending',
    stepIndex: -1,
    weight: 0,
    aliasWeight: 0,
    revision: 0,
    updatedAt: input.createdAt,
    approvals: [],
    unconfirmed: [],
    consecutiveMetricErrors: 0,
    failedJudgements: 0,
    decisions: [],
    actors: [],
    flags: [],
  };
}
