import type { Decision } from './decision.js';
import type { ReleaseEvent } from './events.js';
import type { Release } from './release.js';

/**
 * The events that record a decision, before its effects are confirmed. A rollback records only
 * `rollback_started`: `rolled_back` waits until the alias is read back at the stable version.
 */
export function eventsForDecision(release: Release, decision: Decision): ReleaseEvent[] {
  const at = decision.at;
  switch (decision.action) {
    case 'advance':
      if (release.state === 'pending') return [{ type: 'started', at, weight: decision.toWeight ?? 0, decision }];
      return [{ type: 'step_advanced', at, toStep: release.stepIndex + 1, weight: decision.toWeight ?? release.weight, decision }];
    case 'promote':
      return [{ type: 'promoted', at, decision }];
    case 'succeed':
      return [{ type: 'succeeded', at, decision }];
    case 'hold':
      return [{ type: 'held', at, decision }];
    case 'pause':
      return [{ type: 'paused', at, reason: decision.explanation, decision }];
    case 'rollback':
      return [{ type: 'rollback_started', at, intent: 'rollback', reason: decision.explanation, decision }];
    case 'none':
      return [];
  }
}
