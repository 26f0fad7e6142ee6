import type { Decision } from '../../core/decision.js';
import type { ReleaseEvent } from '../../core/events.js';
import { stat } from '../../core/format.js';
import { checkLabel, shareOf } from '../../core/policy.js';
import type { Release } from '../../core/release.js';
import type { ChartMarker, ChartPoint, ChartSpec } from './chart-spec.js';

function decisionOf(event: ReleaseEvent): Decision | undefined {
  return 'decision' in event && event.decision !== undefined && typeof event.decision === 'object' ? event.decision : undefined;
}

/**
 * One chart per sequential check: the log-likelihood ratio each decision recorded, against the
 * critical value ln(1/α) that rolls back and ln(holdAbove) that holds a step. The statistic is
 * cumulative over the release, so the line shows evidence building up.
 */
export function sequentialCharts(release: Release, events: readonly ReleaseEvent[], markers: readonly ChartMarker[], from: number, to: number): ChartSpec[] {
  const decisions = events.map(decisionOf).filter((decision): decision is Decision => decision !== undefined);
  return release.policy.checks.flatMap((check) => {
    if (check.method !== 'sequential') return [];
    const name = checkLabel(check);
    const alpha = shareOf(check, release.policy);
    const critical = Math.log(1 / alpha);
    const hold = Math.log(check.holdAbove);
    const points: ChartPoint[] = decisions.flatMap((decision) => {
      const result = decision.judgement?.checks.find((candidate) => candidate.check === name);
      if (result?.statistic === undefined) return [];
      const at = Date.parse(decision.at);
      // An unbounded ratio is drawn just above the critical line; the table says ∞.
      const value = Number.isFinite(result.statistic) ? result.statistic : critical * 1.25;
      return [{ start: at, end: at, value, detail: `${result.verdict}${Number.isFinite(result.statistic) ? '' : ' (∞)'}` }];
    });
    const lastPoint = points.at(-1);
    return [
      {
        id: `chart-${name}`,
        title: `Sequential test: ${name}`,
        summary:
          `The ${check.sli.kind === 'latency' ? 'slow-request' : 'error-rate'} evidence against the baseline (log-likelihood ratio) at each decision; the release rolls back once it reaches ln(1/α) = ${stat(critical)} ` +
          `(α = ${alpha}) and holds a step above ln(${check.holdAbove}) = ${stat(hold)}.` +
          (lastPoint?.value !== undefined ? ` Latest: ${stat(lastPoint.value)}.` : ''),
        unit: 'log-ratio' as const,
        yLabel: 'log-likelihood ratio',
        xLabel: 'time (UTC), at each decision',
        series: [{ key: 'statistic' as const, label: `${name} statistic`, points }],
        thresholds: [
          { label: `roll back: ln(1/α) = ${stat(critical)}`, value: critical },
          { label: `hold: ln(${check.holdAbove}) = ${stat(hold)}`, value: hold, soft: true },
        ],
        markers,
        from,
        to,
        emptyText: points.length === 0 ? 'no decision has measured this test yet' : undefined,
      },
    ];
  });
}
