import type { Principal } from '../access.js';
import { authorize } from '../access.js';
import type { ReleaseEvent } from '../core/events.js';
import { applyEvent } from '../core/reducer.js';
import type { Release } from '../core/release.js';
import { HUMAN_ACTIONS, REASON_REQUIRED, type HumanAction } from '../engine/actions.js';
import type { Scope } from '../ports.js';

export const ACTION_LABELS: Record<HumanAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  approve: 'Approve',
  promote: 'Promote to 100%',
  abort: 'Abort',
  rollback: 'Roll back',
};

/** The API's rule: approving and promoting need releases:approve, the rest releases:write. */
export function scopeFor(action: HumanAction): Scope {
  return action === 'approve' || action === 'promote' ? 'releases:approve' : 'releases:write';
}

export function isHumanAction(text: string): text is HumanAction {
  return (HUMAN_ACTIONS as readonly string[]).includes(text);
}

export function needsReason(action: HumanAction): boolean {
  return REASON_REQUIRED.has(action);
}

/** The event `act()` would record for the action (lib/engine/actions.ts), for asking the state machine. */
function probe(release: Release, action: HumanAction): ReleaseEvent {
  const at = release.updatedAt;
  const actor = 'probe';
  switch (action) {
    case 'pause':
      return { type: 'paused', at, actor, reason: 'probe' };
    case 'resume':
      return { type: 'resumed', at, actor };
    case 'approve': {
      const step = release.plan.steps[release.stepIndex];
      return { type: 'approved', at, actor, role: step?.type === 'approval' ? step.role : '' };
    }
    case 'promote':
      return { type: 'promoted', at, actor };
    case 'abort':
      return release.state === 'pending' ? { type: 'aborted', at, actor } : { type: 'rollback_started', at, intent: 'abort', actor, reason: 'probe' };
    case 'rollback':
      return { type: 'rollback_started', at, intent: 'rollback', actor, reason: 'probe' };
  }
}

/** Actions the release's state allows now, decided by the core's own state machine. */
export function actionsAllowed(release: Release): HumanAction[] {
  return HUMAN_ACTIONS.filter((action) => {
    try {
      applyEvent(release, probe(release, action));
      return true;
    } catch {
      return false;
    }
  });
}

export function mayAct(principal: Principal, action: HumanAction, release: Release): boolean {
  try {
    authorize(principal, scopeFor(action), { function: release.function });
    return true;
  } catch {
    return false;
  }
}
