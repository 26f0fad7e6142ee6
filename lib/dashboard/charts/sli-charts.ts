import type { ArmStats, Period } from '../../core/metrics.js';
import { checkLabel, type Check, type Sli } from '../../core/policy.js';
import type { Release } from '../../core/release.js';
import { formatDuration } from '../../core/duration.js';
import { plural } from '../../core/format.js';
import { formatValue, type ChartMarker, type ChartPoint, type ChartSeries, type ChartSpec, type ChartThreshold, type ChartUnit } from './chart-spec.js';

interface SliGroup {
  readonly key: string;
  readonly sli: Sli;
  /** Custom SLIs are keyed by their check's name in the metrics. */
  readonly customName?: string | undefined;
  readonly checks: Check[];
}

function sliKey(check: Check): string {
  const sli = check.sli;
  if (sli.kind === 'latency') return `latency-${sli.percentile}`;
  if (sli.kind === 'custom') return `custom-${checkLabel(check)}`;
  return sli.kind;
}

/** Threshold, baseline and sequential latency checks grouped by what they measure: one chart per SLI. */
export function sliGroups(checks: readonly Check[]): SliGroup[] {
  const groups = new Map<string, SliGroup>();
  for (const check of checks) {
    // The sequential error test has its own chart; a latency one also draws its objective on the percentile's.
    if (check.method === 'sequential' && check.sli.kind !== 'latency') continue;
    const key = sliKey(check);
    const group = groups.get(key) ?? { key, sli: check.sli, customName: check.sli.kind === 'custom' ? checkLabel(check) : undefined, checks: [] };
    group.checks.push(check);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function describe(sli: Sli, customName: string | undefined): { title: string; unit: ChartUnit; yLabel: string } {
  switch (sli.kind) {
    case 'error_rate':
      return { title: 'Error rate', unit: 'rate', yLabel: 'errors / invocations (%)' };
    case 'throttle_rate':
      return { title: 'Throttle rate', unit: 'rate', yLabel: 'throttles / requests (%)' };
    case 'latency':
      return { title: `${sli.percentile} latency`, unit: 'ms', yLabel: `duration ${sli.percentile} (ms)` };
    case 'custom':
      return { title: `Custom SLI: ${customName ?? 'custom'}`, unit: 'number', yLabel: sli.metric ? `${sli.metric.metricName} (${sli.metric.stat})` : 'value' };
  }
}

function valueOf(sli: Sli, arm: ArmStats, customName: string | undefined): ChartPoint['value'] {
  switch (sli.kind) {
    case 'error_rate':
      return arm.invocations > 0 ? arm.errors / arm.invocations : undefined;
    case 'throttle_rate':
      return arm.invocations + arm.throttles > 0 ? arm.throttles / (arm.invocations + arm.throttles) : undefined;
    case 'latency':
      return arm.invocations > 0 ? arm[sli.percentile] : undefined;
    case 'custom':
      return customName === undefined ? undefined : arm.custom?.[customName];
  }
}

function detailOf(sli: Sli, arm: ArmStats): string | undefined {
  if (sli.kind === 'error_rate') return `${arm.errors}/${arm.invocations}`;
  if (sli.kind === 'throttle_rate') return `${arm.throttles}/${arm.invocations + arm.throttles}`;
  return plural(arm.invocations, 'request');
}

function comparatorText(comparator: string): string {
  return comparator === '<=' ? '≤' : comparator === '>=' ? '≥' : comparator;
}

export interface SliChartInput {
  readonly release: Release;
  /** Undefined when the metrics source could not answer. */
  readonly periods: readonly Period[] | undefined;
  readonly metricsError?: string | undefined;
  readonly markers: readonly ChartMarker[];
  readonly from: number;
  readonly to: number;
}

/**
 * One chart per SLI the policy judges: the new version against the baseline period by period,
 * a fixed line for each `threshold` check and a per-period `maxRatio × baseline + slack` line for
 * each `baseline` check, as lib/core/analysis/checks.ts computes them.
 */
export function sliCharts(input: SliChartInput): ChartSpec[] {
  const { release, periods = [] } = input;
  const periodMs = periods[0] ? periods[0].end - periods[0].start : undefined;
  return sliGroups(release.policy.checks).map((group) => {
    const { title, unit, yLabel } = describe(group.sli, group.customName);
    const arm = (which: 'canary' | 'baseline'): ChartPoint[] =>
      periods.map((period) => ({ start: period.start, end: period.end, value: valueOf(group.sli, period[which], group.customName), detail: detailOf(group.sli, period[which]) }));
    const series: ChartSeries[] = [
      { key: 'canary', label: `version ${release.version} (new)`, points: arm('canary') },
      { key: 'baseline', label: `version ${release.stableVersion} (baseline)`, points: arm('baseline') },
    ];
    const thresholds: ChartThreshold[] = [];
    const limits: string[] = [];
    for (const check of group.checks) {
      if (check.method === 'threshold') {
        thresholds.push({ label: `${checkLabel(check)} ${comparatorText(check.comparator)} ${formatValue(unit, check.value)}`, value: check.value });
        limits.push(`${checkLabel(check)} at ${formatValue(unit, check.value)}`);
      } else if (check.method === 'baseline') {
        const slack = check.slack > 0 ? ` + ${formatValue(unit, check.slack)}` : '';
        series.push({
          key: 'limit',
          label: `${checkLabel(check)}: ${check.maxRatio}× baseline${slack}`,
          points: periods.map((period) => {
            const base = valueOf(group.sli, period.baseline, group.customName);
            return { start: period.start, end: period.end, value: base === undefined ? undefined : check.maxRatio * base + check.slack };
          }),
        });
        limits.push(`${checkLabel(check)} at ${check.maxRatio}× the baseline${slack}`);
      } else if (check.method === 'sequential') {
        const objective = check.thresholdMs ?? release.preflight?.latencyObjectivesMs[checkLabel(check)];
        if (objective !== undefined) {
          thresholds.push({ label: `${checkLabel(check)}: counts requests over ${formatValue(unit, objective)}`, value: objective, soft: true });
          limits.push(`${checkLabel(check)} counting requests over ${formatValue(unit, objective)}`);
        } else {
          const ratio = check.maxRatio ?? 2;
          series.push({
            key: 'limit',
            label: `${checkLabel(check)}: ${ratio}× baseline`,
            points: periods.map((period) => {
              const base = valueOf(group.sli, period.baseline, group.customName);
              return { start: period.start, end: period.end, value: base === undefined ? undefined : ratio * base };
            }),
          });
          limits.push(`${checkLabel(check)} at ${ratio}× the baseline`);
        }
      }
    }
    const last = periods.findLast((period) => valueOf(group.sli, period.canary, group.customName) !== undefined);
    const latest = last
      ? ` Latest period with traffic: new ${formatValue(unit, valueOf(group.sli, last.canary, group.customName))}, baseline ${formatValue(unit, valueOf(group.sli, last.baseline, group.customName))}.`
      : '';
    const per = periodMs ? `per ${formatDuration(periodMs)} period` : 'per period';
    return {
      id: `chart-${group.key}`,
      title,
      summary: `${title} ${per} of version ${release.version} (new) against version ${release.stableVersion} (baseline), with the limit of ${limits.join(' and ')}.${latest}`,
      unit,
      yLabel,
      xLabel: `time (UTC), ${per}`,
      series,
      thresholds,
      markers: input.markers,
      from: input.from,
      to: input.to,
      emptyText: input.periods === undefined ? `metrics unavailable: ${input.metricsError ?? 'no answer'}` : periods.length === 0 ? 'no complete period yet' : undefined,
    };
  });
}
