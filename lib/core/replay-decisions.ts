/**
 * Decides every stored decision of a release again from its stored inputs alone: the events up to
 * the decision (the release as the gate saw it) and the periods its ticks stored. Any difference
 * is reported; none means the record explains every decision the gate made.
 */
import { canonicalJson } from './canonical-json.js';
import { decide } from './decide.js';
import type { Decision } from './decision.js';
import type { ReleaseEvent } from './events.js';
import type { Observation, Period } from './metrics.js';
import { ANALYSIS_VERSION, needsObservation, PeriodLedger, type ObservedInputs } from './observations.js';
import { applyEvent, rebuild } from './reducer.js';
import type { Release } from './release.js';
import { holdForAfterHook, syntheticDecision, syntheticDraft } from './synthetic.js';

/** The decision at `now` exactly as a tick makes it: synthetic evidence's override first, then decide(). */
export function gateDecision(release: Release, observation: Observation, now: number): Decision {
  const draft = syntheticDraft(release, now);
  if (draft !== undefined) return syntheticDecision(release, draft, now);
  return holdForAfterHook(release, decide(release, needsObservation(release) ? observation : { ok: true, periods: [] }, now));
}

export interface FieldDifference {
  readonly path: string;
  readonly stored: unknown;
  readonly replayed: unknown;
}

export interface ReplayedDecision {
  /** The position of the decision's event in the history, from 1. */
  readonly seq: number;
  readonly at: string;
  readonly action: Decision['action'];
  readonly reason: Decision['reason'];
  /** `no_inputs`: recorded before ticks stored what they saw, so it cannot be decided again. */
  readonly outcome: 'same' | 'different' | 'no_inputs';
  /** The analysis that made it, when the tick recorded one. */
  readonly analysis?: string | undefined;
  readonly differences: readonly FieldDifference[];
}

export interface ReplayReport {
  readonly releaseId: string;
  /** The analysis this replay decided with. */
  readonly analysis: string;
  readonly decisions: readonly ReplayedDecision[];
  readonly same: number;
  readonly different: number;
  readonly withoutInputs: number;
}

const MAX_DIFFERENCES = 20;

/** Where two JSON values differ, as paths such as `judgement.checks[0].statistic`. */
export function jsonDifferences(stored: unknown, replayed: unknown, path = '', found: FieldDifference[] = []): FieldDifference[] {
  if (found.length >= MAX_DIFFERENCES) return found;
  const bothObjects = typeof stored === 'object' && stored !== null && typeof replayed === 'object' && replayed !== null;
  if (bothObjects && Array.isArray(stored) === Array.isArray(replayed)) {
    const keys = Array.isArray(stored) ? [...Array(Math.max(stored.length, (replayed as unknown[]).length)).keys()].map(String) : [...new Set([...Object.keys(stored), ...Object.keys(replayed)])].sort();
    for (const key of keys) {
      const child = Array.isArray(stored) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
      jsonDifferences((stored as Record<string, unknown>)[key], (replayed as Record<string, unknown>)[key], child, found);
    }
    return found;
  }
  if (canonicalJson(stored) !== canonicalJson(replayed)) found.push({ path: path === '' ? '(whole)' : path, stored, replayed });
  return found;
}

/** As stored: JSON drops what is undefined, which the store never kept. */
const asStored = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** A decision the gate made itself; a person's act carries an actor and no decision. */
function gateDecisionOf(event: ReleaseEvent): Decision | undefined {
  if (!('decision' in event) || event.decision === undefined) return undefined;
  return 'actor' in event && event.actor !== undefined ? undefined : event.decision;
}

function observationOf(inputs: ObservedInputs, periods: readonly Period[]): Observation {
  return inputs.error === undefined ? { ok: true, periods } : { ok: false, error: inputs.error };
}

/** Replays a release's whole history, `created` first. */
export function replayDecisions(releaseId: string, events: readonly ReleaseEvent[]): ReplayReport {
  const [created, ...rest] = events;
  let release = rebuild(releaseId, created === undefined ? [] : [created]);
  const ledger = new PeriodLedger();
  let tick: ObservedInputs | undefined;
  const decisions: ReplayedDecision[] = [];
  rest.forEach((event, index) => {
    const stored = gateDecisionOf(event);
    if (event.type === 'observed') {
      ledger.add(event.inputs);
      tick = event.inputs;
    } else if (stored !== undefined) {
      const base = { seq: index + 2, at: stored.at, action: stored.action, reason: stored.reason };
      if (tick === undefined) {
        decisions.push({ ...base, outcome: 'no_inputs', differences: [] });
      } else {
        const replayed = gateDecision(release, observationOf(tick, ledger.periods()), Date.parse(stored.at));
        const differences = jsonDifferences(asStored(stored), asStored(replayed));
        decisions.push({ ...base, analysis: tick.analysis, outcome: differences.length === 0 ? 'same' : 'different', differences });
      }
      // One tick's inputs explain its one decision; an abort's two events record it once.
      tick = undefined;
    }
    release = applyEvent(release, event);
  });
  const count = (outcome: ReplayedDecision['outcome']) => decisions.filter((decision) => decision.outcome === outcome).length;
  return { releaseId, analysis: ANALYSIS_VERSION, decisions, same: count('same'), different: count('different'), withoutInputs: count('no_inputs') };
}

const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? 'absent';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** The report as text: a line per decision that differs or cannot be replayed, then the totals. */
export function formatReplay(report: ReplayReport): string {
  const lines = [`release ${report.releaseId}: ${report.decisions.length} decisions replayed with analysis ${report.analysis}`];
  for (const decision of report.decisions) {
    if (decision.outcome === 'same') continue;
    const made = decision.analysis !== undefined && decision.analysis !== report.analysis ? ` (made by analysis ${decision.analysis})` : '';
    if (decision.outcome === 'no_inputs') {
      lines.push(`  #${decision.seq} ${decision.at} ${decision.action} (${decision.reason}): no stored inputs, recorded before ticks stored what they saw`);
      continue;
    }
    lines.push(`  #${decision.seq} ${decision.at} ${decision.action} (${decision.reason}) differs${made}:`);
    for (const difference of decision.differences) lines.push(`    ${difference.path}: stored ${shown(difference.stored)}, replayed ${shown(difference.replayed)}`);
  }
  lines.push(`${report.same} the same, ${report.different} different, ${report.withoutInputs} without stored inputs`);
  return lines.join('\n');
}

/**
 * What the gate saw of a release, from its stored ticks: every period as the latest tick saw it.
 * A release whose only readings failed shows the latest failure.
 */
export function storedObservation(events: readonly ReleaseEvent[]): Observation {
  const ledger = new PeriodLedger();
  let lastError: string | undefined;
  for (const event of events) {
    if (event.type !== 'observed') continue;
    ledger.add(event.inputs);
    lastError = event.inputs.error ?? (event.inputs.periods.length > 0 ? undefined : lastError);
  }
  const periods = ledger.periods();
  return periods.length === 0 && lastError !== undefined ? { ok: false, error: lastError } : { ok: true, periods };
}
