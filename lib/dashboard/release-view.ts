import type { ApiDeps } from '../api/deps.js';
import type { Principal } from '../access.js';
import { gateView } from '../api/serialize.js';
import type { ReleaseEvent } from '../core/events.js';
import type { Observation } from '../core/metrics.js';
import { isTerminal, type Release } from '../core/release.js';
import { releaseHistory } from '../engine/read.js';
import type { ChartSpec } from './charts/chart-spec.js';
import { markersFrom } from './charts/markers.js';
import { sequentialCharts } from './charts/sequential-charts.js';
import { sliCharts } from './charts/sli-charts.js';
import type { ReleasePageProps } from './pages/release-page.js';
import { actionsAllowed, mayAct, scopeFor } from './release-actions.js';
import { timelineEntries } from './timeline/entries.js';
import { planProgress } from './timeline/plan-progress.js';

const MINUTE = 60_000;
/** Charts show at most the last day of a long release: a day is 1,440 points. */
const CHART_WINDOW_MS = 24 * 60 * MINUTE;

/** Charts draw the last day of a long release from what its ticks stored. */
function lastDay(observation: Observation): Observation {
  if (!observation.ok || observation.periods.length === 0) return observation;
  const from = observation.periods.at(-1)!.end - CHART_WINDOW_MS;
  return { ok: true, periods: observation.periods.filter((period) => period.end > from) };
}

/** Error-rate charts first, then the sequential test on errors, then everything else. */
function ordered(charts: ChartSpec[]): ChartSpec[] {
  const rank = (spec: ChartSpec) => (spec.id === 'chart-error_rate' ? 0 : spec.unit === 'log-ratio' ? 1 : 2);
  return charts.map((spec, index) => ({ spec, index })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.index - b.index).map(({ spec }) => spec);
}

export function chartsFor(release: Release, events: readonly ReleaseEvent[], observation: Observation): ChartSpec[] {
  const periods = observation.ok ? observation.periods : undefined;
  const started = Date.parse(release.startedAt ?? release.createdAt);
  const from = Math.min(started, periods?.[0]?.start ?? started);
  const lastEvent = events.length === 0 ? from : Date.parse(events.at(-1)!.at);
  const to = Math.max(periods?.at(-1)?.end ?? from, lastEvent, from + MINUTE / 6);
  const markers = markersFrom(events);
  return ordered([
    ...sliCharts({ release, periods, metricsError: observation.ok ? undefined : observation.error, markers, from, to }),
    ...sequentialCharts(release, events, markers, from, to),
  ]);
}

export async function releaseView(deps: ApiDeps, principal: Principal, release: Release): Promise<Omit<ReleasePageProps, 'session' | 'error'>> {
  const { events, observation } = await releaseHistory(deps.engine.store, release.id);
  const allowed = actionsAllowed(release);
  return {
    release,
    explanation: gateView(release).explanation,
    steps: planProgress(release),
    entries: timelineEntries(events),
    charts: chartsFor(release, events, lastDay(observation)),
    actions: {
      actions: allowed.filter((action) => mayAct(principal, action, release)),
      blocked: allowed.filter((action) => !mayAct(principal, action, release)).map((action) => ({ action, scope: scopeFor(action) })),
    },
    refresh: !isTerminal(release.state),
  };
}
