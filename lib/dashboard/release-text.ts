import { currentStep } from '../api/serialize.js';
import type { Release, ReleaseState } from '../core/release.js';

/** `step 2 of 4: 10% for at least 5m`, or what the release is doing past its steps. */
export function stepText(release: Release): string {
  const step = currentStep(release);
  // Before its first step, or past its last, there is no step number to give.
  if (release.stepIndex < 0 || release.stepIndex >= step.total) return step.description;
  return `step ${step.index + 1} of ${step.total}: ${step.description}`;
}

/** What every page calls a release that runs on time alone (`isUnjudged`). */
export const UNJUDGED_LABEL = 'Unjudged: on time alone';

/** How loudly the explanation is shown. */
export function toneOf(state: ReleaseState): 'danger' | 'warning' | 'success' | 'info' {
  if (state === 'rolled_back' || state === 'rolling_back' || state === 'aborted') return 'danger';
  if (state === 'paused') return 'warning';
  if (state === 'succeeded') return 'success';
  return 'info';
}
