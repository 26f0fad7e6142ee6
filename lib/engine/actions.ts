import type { ReleaseEvent } from '../core/events.js';
import { InvalidTransitionError } from '../core/errors.js';
import { weightText } from '../core/format.js';
import type { Release } from '../core/release.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { EngineDeps } from './deps.js';
import { AliasDriftedError, ReasonRequiredError } from './errors.js';
import { notify, persist, type Schedule } from './persist.js';
import { finishRollback } from './rollback.js';
import { routesAsExpected, routingFor, updateAliasCommand } from './routing.js';
import { confirmRouting } from './tick.js';

export const HUMAN_ACTIONS = ['pause', 'resume', 'approve', 'promote', 'abort', 'rollback'] as const;
export type HumanAction = (typeof HUMAN_ACTIONS)[number];

/** Overrides of the gate: they need a reason, which stays in the audit record. */
export const REASON_REQUIRED: ReadonlySet<HumanAction> = new Set(['promote', 'abort', 'rollback']);

export interface ActionRequest {
  readonly action: HumanAction;
  /** Who acts: a token's subject. */
  readonly actor: string;
  readonly reason?: string | undefined;
}

function eventsFor(release: Release, request: ActionRequest, at: string): { events: ReleaseEvent[]; schedule: Schedule } {
  const { actor, reason } = request;
  switch (request.action) {
    case 'pause':
      return { events: [{ type: 'paused', at, actor, reason }], schedule: 'keep' };
    case 'resume':
      return { events: [{ type: 'resumed', at, actor, reason }], schedule: 'now' };
    case 'approve': {
      const step = release.plan.steps[release.stepIndex];
      if (step?.type !== 'approval') throw new InvalidTransitionError(release.id, release.state, 'approved', 'the current step is not an approval');
      return { events: [{ type: 'approved', at, actor, role: step.role, reason }], schedule: 'now' };
    }
    case 'promote':
      return { events: [{ type: 'promoted', at, actor, reason }], schedule: 'next' };
    case 'abort':
      if (release.state === 'pending') return { events: [{ type: 'aborted', at, actor, reason }], schedule: 'keep' };
      return { events: [{ type: 'rollback_started', at, intent: 'abort', actor, reason: reason ?? 'aborted' }], schedule: 'keep' };
    case 'rollback':
      return { events: [{ type: 'rollback_started', at, intent: 'rollback', actor, reason: reason ?? 'rolled back by a person' }], schedule: 'keep' };
  }
}

/**
 * A person's action on a release: pause, resume, approve, promote, abort or roll back. The state
 * machine decides whether the state allows it (InvalidTransitionError otherwise); the write is
 * conditional on the revision read, and retried on a lost race. Effects on the alias follow the
 * write: a promotion shifts it to 100%, an abort or rollback returns it to the stable version.
 */
export async function act(deps: EngineDeps, releaseId: string, request: ActionRequest): Promise<Release> {
  const reason = request.reason?.trim() || undefined;
  if (REASON_REQUIRED.has(request.action) && reason === undefined) throw new ReasonRequiredError(request.action);
  for (let attempt = 0; ; attempt += 1) {
    const release = await deps.store.get(releaseId);
    if (release === undefined) throw new NotFoundError(`release ${releaseId}`);
    if (request.action === 'resume' && release.state === 'paused') await refuseResumeOnDrift(deps, release);
    const { events, schedule } = eventsFor(release, { ...request, reason }, new Date(deps.clock.now()).toISOString());
    let saved: Release;
    try {
      saved = await persist(deps, release, events, schedule);
    } catch (error) {
      if (error instanceof ConflictError && attempt < deps.config.conflictRetries) continue;
      throw error;
    }
    deps.logger.info('person acted', { releaseId, action: request.action, actor: request.actor, reason });
    return effects(deps, saved, { ...request, reason });
  }
}

/**
 * A resume reads the alias first: one that still routes as someone else left it would pause the
 * release again at the next tick, so the person is told what it routes and how to set it back.
 */
async function refuseResumeOnDrift(deps: EngineDeps, release: Release): Promise<void> {
  const actual = await deps.router.read(release.function, release.alias);
  if (routesAsExpected(release, actual)) return;
  const expected = routingFor(release, release.weight);
  throw new AliasDriftedError(release, expected, actual, updateAliasCommand(release, expected));
}

async function effects(deps: EngineDeps, release: Release, request: ActionRequest): Promise<Release> {
  switch (request.action) {
    case 'promote':
      return confirmRouting(deps, release);
    case 'abort':
    case 'rollback':
      if (release.state !== 'rolling_back') return release;
      return (await finishRollback(deps, release)).release;
    case 'pause':
      await notify(deps, 'paused', release, `${release.function}:${release.alias} paused at ${weightText(release.weight)} by ${request.actor}${request.reason ? `: ${request.reason}` : ''}`);
      return release;
    case 'resume':
    case 'approve':
      return release;
  }
}
