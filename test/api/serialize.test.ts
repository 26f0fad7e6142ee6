import { describe, expect, it } from 'vitest';
import { currentStep } from '../../lib/api/serialize.js';
import type { ReleaseEvent } from '../../lib/core/events.js';
import { replay } from '../../lib/core/reducer.js';
import { planProgress } from '../../lib/dashboard/timeline/plan-progress.js';
import { stepText } from '../../lib/dashboard/release-text.js';
import { at, newRelease } from '../core/fixtures.js';

const begin: ReleaseEvent[] = [
  { type: 'started', at: at(0), weight: 1 },
  { type: 'step_advanced', at: at(5), toStep: 1, weight: 10 },
];
const abort: ReleaseEvent[] = [
  { type: 'rollback_started', at: at(7), intent: 'abort', reason: 'wrong build', actor: 'ana' },
  { type: 'aborted', at: at(8), actor: 'ana' },
];

describe('the current step', () => {
  it.each<[string, ReleaseEvent[], string, string]>([
    ['pending', [], 'not started', 'not started'],
    ['progressing', begin, '10% for at least 5m', 'step 2 of 3: 10% for at least 5m'],
    ['aborted at step 2', [...begin, ...abort], '10% for at least 5m, where it stopped', 'step 2 of 3: 10% for at least 5m, where it stopped'],
    ['aborting at step 2', [...begin, abort[0]!], '10% for at least 5m, where it is stopping', 'step 2 of 3: 10% for at least 5m, where it is stopping'],
    [
      'rolled back at step 2',
      [...begin, { type: 'rollback_started', at: at(7), intent: 'rollback', reason: 'errors' }, { type: 'rolled_back', at: at(8), durationMs: 1, attempts: 1 }],
      '10% for at least 5m, where it was rolled back',
      'step 2 of 3: 10% for at least 5m, where it was rolled back',
    ],
    ['aborted before it started', [{ type: 'aborted', at: at(1), actor: 'ana' }], 'stopped before it started', 'stopped before it started'],
    ['aborted while verifying', [...begin, { type: 'promoted', at: at(6), actor: 'ana', reason: 'hotfix' }, ...abort], 'verification at 100% for 30m, where it stopped', 'verification at 100% for 30m, where it stopped'],
    ['paused while verifying', [...begin, { type: 'promoted', at: at(6), actor: 'ana', reason: 'hotfix' }, { type: 'paused', at: at(7), actor: 'ana' }], 'verification at 100% for 30m', 'verification at 100% for 30m'],
    ['verifying', [...begin, { type: 'promoted', at: at(6) }], 'verifying at 100% for 30m', 'verifying at 100% for 30m'],
    ['succeeded', [...begin, { type: 'promoted', at: at(6) }, { type: 'succeeded', at: at(40) }], 'done', 'done'],
  ])('%s', (_name, events, description, text) => {
    const release = replay(newRelease(), events);
    expect(currentStep(release).description).toBe(description);
    expect(stepText(release)).toBe(text);
  });

  it('reads as the plan does: never "done" where the plan marks where it stopped', () => {
    for (const events of [[...begin, ...abort], [...begin, { type: 'promoted', at: at(6), actor: 'ana', reason: 'hotfix' } as const, ...abort]]) {
      const release = replay(newRelease(), events);
      const stopped = planProgress(release).find((row) => row.status === 'failed');
      expect(stopped?.number).toBe(release.stepIndex + 1);
      expect(currentStep(release).description).toContain(stopped!.text);
      expect(currentStep(release).description).not.toBe('done');
    }
  });
});
