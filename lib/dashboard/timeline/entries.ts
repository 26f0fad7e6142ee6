import type { CheckResult, Decision } from '../../core/decision.js';
import { formatDuration } from '../../core/duration.js';
import type { ReleaseEvent } from '../../core/events.js';
import { weightText } from '../../core/format.js';
import { describeRouting } from '../../core/reducer.js';

export type Tone = 'normal' | 'muted' | 'success' | 'warning' | 'danger';

/** One row of a release's timeline: what happened, why, and the checks behind a decision. */
export interface TimelineEntry {
  readonly at: string;
  readonly label: string;
  readonly text: string;
  readonly tone: Tone;
  readonly checks?: readonly CheckResult[] | undefined;
  /** Consecutive holds with the same reason are folded into one row: how many, and until when. */
  readonly count?: number | undefined;
  readonly until?: string | undefined;
}

const by = (actor: string | undefined, reason: string | undefined) => `${actor ? ` by ${actor}` : ''}${reason ? `: ${reason}` : ''}`;

function withDecision(at: string, label: string, decision: Decision | undefined, fallback: string, tone: Tone = 'normal'): TimelineEntry {
  return { at, label, text: decision?.explanation ?? fallback, tone, checks: decision?.judgement?.checks };
}

function entryFor(event: ReleaseEvent): TimelineEntry | undefined {
  const at = event.at;
  switch (event.type) {
    case 'created': {
      const release = event.release;
      return { at, label: 'created', text: `version ${release.version} of ${release.function}:${release.alias} replacing version ${release.stableVersion}, ${release.risk} risk${by(release.createdBy, undefined)}`, tone: 'normal' };
    }
    case 'started':
      return withDecision(at, 'started', event.decision, `started at ${weightText(event.weight)}`);
    case 'step_advanced':
      return withDecision(at, `step ${event.toStep + 1}`, event.decision, `advanced to ${weightText(event.weight)}`);
    case 'held':
      return withDecision(at, event.decision.reason === 'suspicious' ? 'held (suspicious)' : 'held', event.decision, '', event.decision.reason === 'suspicious' ? 'warning' : 'muted');
    case 'decision_recorded':
      return withDecision(at, 'decision', event.decision, '', 'muted');
    case 'paused':
      return { at, label: 'paused', text: event.actor ? `paused${by(event.actor, event.reason)}` : (event.reason ?? 'paused'), tone: 'warning', checks: event.decision?.judgement?.checks };
    case 'resumed':
      return { at, label: 'resumed', text: `resumed${by(event.actor, event.reason)}`, tone: 'normal' };
    case 'approved':
      return { at, label: 'approved', text: `approved as ${event.role}${by(event.actor, event.reason)}`, tone: 'success' };
    case 'promoted':
      return event.actor
        ? { at, label: 'promoted', text: `promoted to 100%${by(event.actor, event.reason)}`, tone: 'warning' }
        : withDecision(at, 'promoted', event.decision, 'promoted to 100%', 'success');
    case 'succeeded':
      return withDecision(at, 'succeeded', event.decision, 'verified at 100%', 'success');
    case 'rollback_started':
      return {
        at,
        label: event.intent === 'abort' ? 'abort' : 'rollback',
        text: event.actor ? `${event.intent === 'abort' ? 'aborted' : 'rolled back'}${by(event.actor, event.reason)}` : event.reason,
        tone: 'danger',
        checks: event.decision?.judgement?.checks,
      };
    case 'rolled_back':
      return { at, label: 'rolled back', text: `alias back on the stable version, confirmed in ${formatDuration(event.durationMs)} (${event.attempts} ${event.attempts === 1 ? 'attempt' : 'attempts'})`, tone: 'danger' };
    case 'aborted':
      return { at, label: 'aborted', text: `aborted${by(event.actor, event.reason)}${event.durationMs === undefined ? '' : `; alias restored in ${formatDuration(event.durationMs)}`}`, tone: 'danger' };
    case 'routing_confirmed':
      return { at, label: 'alias', text: `alias read back at ${weightText(event.weight)} in ${formatDuration(event.durationMs)}`, tone: 'muted' };
    case 'drift_detected':
      return { at, label: 'drift', text: `someone else changed the alias: it routes ${describeRouting(event.actual)}, the gate expected ${describeRouting(event.expected)}; paused without overwriting it`, tone: 'warning' };
    case 'flag_changed':
      return { at, label: 'flag', text: `flag ${event.flag.key} set to ${event.flag.percent}% for ${event.flag.cohort} (version ${event.flag.previousVersion ?? 'none'} → ${event.flag.appliedVersion})`, tone: 'normal' };
    case 'flags_restored':
      return { at, label: 'flags', text: `flags restored to their versions from before the release: ${event.keys.join(', ')}`, tone: 'warning' };
    case 'hook_ran': {
      const { run } = event;
      const detail = run.detail === undefined ? '' : ` (${run.detail})`;
      return { at, label: `${run.phase}-hook`, text: `${run.function} ${run.outcome === 'pass' ? 'passed' : 'failed'} in ${formatDuration(run.durationMs)}${detail}`, tone: run.outcome === 'pass' ? 'success' : 'danger' };
    }
    case 'probes_ran':
    case 'observed':
      // One per tick: the decisions carry the verdicts, so the timeline stays readable.
      return undefined;
  }
}

/** Folds a run of holds for the same reason into its latest row, counting them. */
export function timelineEntries(events: readonly ReleaseEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  let previous: ReleaseEvent | undefined;
  for (const event of events) {
    const entry = entryFor(event);
    if (entry === undefined) continue;
    const last = entries.at(-1);
    if (event.type === 'held' && previous?.type === 'held' && previous.decision.reason === event.decision.reason && last !== undefined) {
      entries[entries.length - 1] = { ...entry, at: last.at, until: event.at, count: (last.count ?? 1) + 1 };
    } else {
      entries.push(entry);
    }
    previous = event;
  }
  return entries;
}
