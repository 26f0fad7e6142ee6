import type { ReleaseState } from '../../core/release.js';
import type { StepRow, StepStatus } from '../timeline/plan-progress.js';
import { Badge } from './state-badge.js';

const TONES: Record<StepStatus, string> = { done: 'success', current: 'info', pending: 'neutral', failed: 'danger', skipped: 'neutral' };

function label(status: StepStatus, state: ReleaseState): string {
  if (status === 'failed') return state === 'aborted' || state === 'rolling_back' ? 'stopped here' : 'rolled back here';
  if (status === 'current') return state === 'paused' ? 'current, paused' : 'current';
  return status;
}

/** The plan as a checklist: done, current, pending, or where it stopped. */
export function PlanSteps(props: { rows: readonly StepRow[]; state: ReleaseState }) {
  return (
    <ol class="steps">
      {props.rows.map((row) => (
        <li aria-current={row.status === 'current' ? 'step' : undefined}>
          <span class="n">{row.number}.</span>
          <span class="what">{row.text}</span>
          <Badge tone={TONES[row.status]}>{label(row.status, props.state)}</Badge>
        </li>
      ))}
    </ol>
  );
}
