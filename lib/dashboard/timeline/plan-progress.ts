import { describeStep } from '../../core/decide.js';
import type { Release } from '../../core/release.js';

export type StepStatus = 'done' | 'current' | 'pending' | 'failed' | 'skipped';

export interface StepRow {
  readonly number: number;
  readonly text: string;
  readonly status: StepStatus;
}

/**
 * The plan's steps and the verification window after them, each marked against where the release
 * is: a rolled-back release marks the step it failed in and skips the rest.
 */
export function planProgress(release: Release): StepRow[] {
  const texts = [...release.plan.steps.map((step) => describeStep(step)), `verification at 100% for ${release.plan.verification}`];
  const position = release.stepIndex;
  return texts.map((text, index) => ({ number: index + 1, text, status: statusOf(release, index, position) }));
}

function statusOf(release: Release, index: number, position: number): StepStatus {
  switch (release.state) {
    case 'pending':
      return 'pending';
    case 'succeeded':
      return 'done';
    case 'rolled_back':
    case 'aborted':
    case 'rolling_back':
      if (position < 0) return 'skipped';
      return index < position ? 'done' : index === position ? 'failed' : 'skipped';
    case 'progressing':
    case 'paused':
    case 'promoted':
      return index < position ? 'done' : index === position ? 'current' : 'pending';
  }
}
