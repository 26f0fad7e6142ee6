import type { Decision } from './decision.js';
import { InvalidTransitionError } from './errors.js';
import type { ReleaseEvent } from './events.js';
import { createRelease, type Release, type ReleaseState, type UnconfirmedSpan } from './release.js';
import { digestsAfter } from './observations.js';
import { appendProbeTick } from './synthetic.js';

/** How many decisions a release record keeps; the events hold them all. */
export const DECISIONS_KEPT = 20;

const ALLOWED: Record<ReleaseEvent['type'], readonly ReleaseState[]> = {
  created: ['pending'],
  started: ['pending'],
  step_advanced: ['progressing'],
  held: ['progressing', 'promoted'],
  decision_recorded: ['pending', 'progressing', 'paused', 'promoted', 'rolling_back'],
  paused: ['pending', 'progressing', 'promoted'],
  resumed: ['paused'],
  approved: ['progressing', 'paused'],
  promoted: ['progressing', 'paused'],
  succeeded: ['promoted'],
  rollback_started: ['progressing', 'paused', 'promoted'],
  rolled_back: ['rolling_back'],
  aborted: ['pending', 'rolling_back'],
  routing_confirmed: ['progressing', 'paused', 'promoted'],
  drift_detected: ['pending', 'progressing', 'promoted'],
  flag_changed: ['progressing', 'promoted'],
  flags_restored: ['rolling_back'],
  // Synthetic evidence: the before-hook runs while pending, the after-hook once promoted, probes while progressing.
  hook_ran: ['pending', 'promoted'],
  probes_ran: ['progressing', 'promoted'],
  // Stored with every decision of the gate's, before the events that record it.
  observed: ['pending', 'progressing', 'promoted'],
};

function withDecision(release: Release, decision: Decision | undefined): Partial<Pick<Release, 'decisions' | 'consecutiveMetricErrors' | 'failedJudgements'>> {
  // An empty patch, not the release: spreading the old release here would undo fields set before it.
  if (decision === undefined) return {};
  return {
    decisions: [...release.decisions, decision].slice(-DECISIONS_KEPT),
    consecutiveMetricErrors:
      decision.measurement === 'error' ? release.consecutiveMetricErrors + 1 : decision.measurement === 'ok' ? 0 : release.consecutiveMetricErrors,
    failedJudgements: release.failedJudgements + (decision.judgement?.verdict === 'fail' ? 1 : 0),
  };
}

/**
 * Opens an unconfirmed span when an active release stops being under confirmed routing (a pause
 * or a drift); before the release starts there is no exposure to leave out.
 */
function stopConfirmation(release: Release, at: string, cause: UnconfirmedSpan['cause']): Pick<Release, 'confirmedAt' | 'unconfirmed'> {
  const active = release.state === 'progressing' || release.state === 'promoted';
  const last = release.unconfirmed.at(-1);
  const open = last !== undefined && last.to === undefined;
  return { confirmedAt: undefined, unconfirmed: active && !open ? [...release.unconfirmed, { from: at, cause }] : release.unconfirmed };
}

/** A new weight needs its own read-back; a step that keeps the weight keeps the confirmation, and its bake starts at once. */
function newStepConfirmation(release: Release, weight: number, at: string): Pick<Release, 'confirmedAt' | 'stepConfirmedAt'> {
  if (weight === release.weight && release.confirmedAt !== undefined) return { confirmedAt: release.confirmedAt, stepConfirmedAt: at };
  return { confirmedAt: undefined, stepConfirmedAt: undefined };
}

function byPerson(release: Release, actor: string | undefined, action: string, at: string, reason?: string): Partial<Pick<Release, 'actors'>> {
  if (actor === undefined) return {};
  return { actors: [...release.actors, { actor, action, at, reason }] };
}

/**
 * The release state machine: `(release, event) → release`. Pure; every change of state comes
 * from an event, and an event the state does not allow throws InvalidTransitionError.
 */
export function applyEvent(release: Release, event: ReleaseEvent): Release {
  const reject = (detail?: string): never => {
    throw new InvalidTransitionError(release.id, release.state, event.type, detail, {
      attempt: event.type === 'rollback_started' && event.intent === 'abort' ? 'abort' : undefined,
      stateText: release.state === 'rolling_back' && release.rollbackIntent === 'abort' ? 'it is already being aborted' : undefined,
    });
  };
  if (!ALLOWED[event.type].includes(release.state)) reject();
  const next = applyAllowed(release, event, reject);
  return { ...next, revision: release.revision + 1, updatedAt: event.at };
}

function applyAllowed(release: Release, event: ReleaseEvent, reject: (detail?: string) => never): Release {
  const stepCount = release.plan.steps.length;
  switch (event.type) {
    case 'created':
      if (release.revision !== 0) reject('a release is created once');
      return release;

    case 'started':
      return {
        ...release,
        ...withDecision(release, event.decision),
        state: 'progressing',
        stepIndex: 0,
        weight: event.weight,
        startedAt: event.at,
        stepStartedAt: event.at,
        confirmedAt: undefined,
        stepConfirmedAt: undefined,
      };

    case 'step_advanced':
      if (event.toStep !== release.stepIndex + 1) reject(`expected step ${release.stepIndex + 1}, got ${event.toStep}`);
      if (event.toStep >= stepCount) reject('past the last step: promote instead');
      if (event.weight < release.weight || event.weight > 100) reject(`weight ${event.weight} from ${release.weight}`);
      return {
        ...release,
        ...withDecision(release, event.decision),
        ...newStepConfirmation(release, event.weight, event.at),
        stepIndex: event.toStep,
        weight: event.weight,
        stepStartedAt: event.at,
        resumedAt: undefined,
        failedJudgements: 0,
      };

    case 'held':
    case 'decision_recorded':
      return { ...release, ...withDecision(release, event.decision) };

    case 'paused':
      return {
        ...release,
        ...withDecision(release, event.decision),
        ...byPerson(release, event.actor, 'pause', event.at, event.reason),
        ...stopConfirmation(release, event.at, 'paused'),
        state: 'paused',
        // Paused before it started: pausedFrom stays unset and resuming returns it to pending.
        pausedFrom: release.state === 'promoted' ? 'promoted' : release.state === 'progressing' ? 'progressing' : undefined,
        pauseReason: event.reason ?? (event.actor === undefined ? 'paused' : `paused by ${event.actor}`),
      };

    case 'routing_confirmed': {
      if (event.weight !== release.weight) reject(`confirmed ${event.weight}% but the release is at ${release.weight}%`);
      // A read-back while paused is not exposure the gate watches: the span stays open until it runs again.
      if (release.state === 'paused') return { ...release, aliasWeight: event.weight };
      const last = release.unconfirmed.at(-1);
      const unconfirmed = last !== undefined && last.to === undefined ? [...release.unconfirmed.slice(0, -1), { ...last, to: event.at }] : release.unconfirmed;
      return { ...release, aliasWeight: event.weight, confirmedAt: event.at, stepConfirmedAt: release.stepConfirmedAt ?? event.at, unconfirmed, drift: undefined };
    }

    case 'drift_detected':
      return {
        ...release,
        ...stopConfirmation(release, event.since ?? event.at, 'drift'),
        drift: { at: event.at, expected: event.expected, actual: event.actual },
        state: 'paused',
        pausedFrom: release.state === 'pending' ? undefined : release.state === 'promoted' ? 'promoted' : 'progressing',
        pauseReason: `drift: alias routes ${describeRouting(event.actual)}, expected ${describeRouting(event.expected)}`,
      };

    case 'resumed':
      // A resume is taken only once the alias reads as the gate expects (see act), so no drift remains.
      if (release.pausedFrom === undefined) {
        return { ...release, ...byPerson(release, event.actor, 'resume', event.at, event.reason), state: 'pending', pauseReason: undefined, resumedAt: event.at, drift: undefined };
      }
      return {
        ...release,
        ...byPerson(release, event.actor, 'resume', event.at, event.reason),
        drift: undefined,
        state: release.pausedFrom,
        pausedFrom: undefined,
        pauseReason: undefined,
        resumedAt: event.at,
        consecutiveMetricErrors: 0,
        failedJudgements: 0,
      };

    case 'approved': {
      const step = release.plan.steps[release.stepIndex];
      if (step?.type !== 'approval') reject('the current step is not an approval');
      if (release.approvals.some((approval) => approval.stepIndex === release.stepIndex)) reject('this step is already approved');
      return {
        ...release,
        ...byPerson(release, event.actor, 'approve', event.at, event.reason),
        approvals: [...release.approvals, { stepIndex: release.stepIndex, role: event.role, actor: event.actor, at: event.at }],
      };
    }

    case 'promoted':
      return {
        ...release,
        ...withDecision(release, event.decision),
        ...byPerson(release, event.actor, 'promote', event.at, event.reason),
        ...newStepConfirmation(release, 100, event.at),
        state: 'promoted',
        stepIndex: stepCount,
        weight: 100,
        promotedAt: event.at,
        stepStartedAt: event.at,
        pausedFrom: undefined,
        pauseReason: undefined,
        resumedAt: undefined,
        failedJudgements: 0,
      };

    case 'succeeded':
      return { ...release, ...withDecision(release, event.decision), state: 'succeeded', finishedAt: event.at };

    case 'rollback_started':
      return {
        ...release,
        ...withDecision(release, event.decision),
        ...byPerson(release, event.actor, event.intent, event.at, event.reason),
        state: 'rolling_back',
        weight: 0,
        confirmedAt: undefined,
        rollbackIntent: event.intent,
        rollbackReason: event.reason,
        rollbackStartedAt: event.at,
        pausedFrom: undefined,
        pauseReason: undefined,
      };

    case 'rolled_back':
      if (release.rollbackIntent !== 'rollback') reject('this rollback was an abort');
      return { ...release, state: 'rolled_back', weight: 0, aliasWeight: 0, finishedAt: event.at };

    case 'aborted':
      if (release.state === 'rolling_back' && release.rollbackIntent !== 'abort') reject('this rollback was not an abort');
      return {
        ...release,
        ...(release.state === 'pending' ? byPerson(release, event.actor, 'abort', event.at, event.reason) : {}),
        state: 'aborted',
        weight: 0,
        aliasWeight: 0,
        finishedAt: event.at,
      };

    case 'flag_changed':
      return { ...release, flags: [...release.flags, event.flag] };

    case 'flags_restored':
      return release;

    case 'hook_ran':
      if (release.synthetic?.hooks === undefined) reject('the release has no hooks');
      if ((event.run.phase === 'before') !== (release.state === 'pending')) reject(`the ${event.run.phase}-hook does not run while ${release.state}`);
      if ((release.hookRuns ?? []).some((run) => run.phase === event.run.phase)) reject(`the ${event.run.phase}-hook has already run`);
      return { ...release, hookRuns: [...(release.hookRuns ?? []), event.run] };

    case 'probes_ran':
      if (release.synthetic?.probes === undefined) reject('the release has no probes');
      return { ...release, probeTicks: appendProbeTick(release.probeTicks ?? [], event.tick) };

    case 'observed':
      return event.inputs.periods.length === 0 && event.inputs.absent === undefined ? release : { ...release, observedDigests: digestsAfter(release.observedDigests, event.inputs) };
  }
}

export function describeRouting(routing: { functionVersion: string; additionalVersion?: string | undefined; additionalWeight?: number | undefined }): string {
  if (routing.additionalVersion === undefined || !routing.additionalWeight) return `100% to version ${routing.functionVersion}`;
  const extra = routing.additionalWeight;
  return `${formatPercent(100 - extra)} to version ${routing.functionVersion} and ${formatPercent(extra)} to version ${routing.additionalVersion}`;
}

function formatPercent(value: number): string {
  return `${Number(value.toFixed(4))}%`;
}

/** Folds events over a release: a release's state is exactly its events replayed. */
export function replay(initial: Release, events: readonly ReleaseEvent[]): Release {
  return events.reduce(applyEvent, initial);
}

/** Rebuilds a release from its whole history, which starts with its `created` event. */
export function rebuild(releaseId: string, events: readonly ReleaseEvent[]): Release {
  const [first, ...rest] = events;
  if (first?.type !== 'created') throw new InvalidTransitionError(releaseId, 'none', first?.type ?? 'nothing', 'a history starts with created');
  return replay(applyEvent(createRelease(first.release), first), rest);
}
