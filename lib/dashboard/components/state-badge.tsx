import type { ReleaseState } from '../../core/release.js';

const LABELS: Record<ReleaseState, string> = {
  pending: 'pending',
  progressing: 'progressing',
  paused: 'paused',
  rolling_back: 'rolling back',
  promoted: 'promoted, verifying',
  succeeded: 'succeeded',
  rolled_back: 'rolled back',
  aborted: 'aborted',
};

export function StateBadge(props: { state: ReleaseState }) {
  return <span class={`badge badge-${props.state}`}>{LABELS[props.state]}</span>;
}

/** A badge for any short word with a tone: verdicts, flag states. */
export function Badge(props: { tone: string; children: string }) {
  return <span class={`badge badge-${props.tone}`}>{props.children}</span>;
}
