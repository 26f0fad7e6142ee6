import { describe, expect, it } from 'vitest';
import type { Decision } from '../../lib/core/decision.js';
import type { ReleaseEvent } from '../../lib/core/events.js';
import type { Period } from '../../lib/core/metrics.js';
import { parsePlan } from '../../lib/core/plan.js';
import { parsePolicy } from '../../lib/core/policy.js';
import { createRelease, type Release } from '../../lib/core/release.js';
import { linePath, niceTicks, stepPath, timeTicks } from '../../lib/dashboard/charts/scale.js';
import { markersFrom } from '../../lib/dashboard/charts/markers.js';
import { sequentialCharts } from '../../lib/dashboard/charts/sequential-charts.js';
import { sliCharts } from '../../lib/dashboard/charts/sli-charts.js';
import { actionsAllowed } from '../../lib/dashboard/release-actions.js';
import { timelineEntries } from '../../lib/dashboard/timeline/entries.js';
import { planProgress } from '../../lib/dashboard/timeline/plan-progress.js';

const T0 = Date.parse('2030-01-07T10:00:00.000Z');
const MINUTE = 60_000;

function release(overrides: Partial<Release> = {}): Release {
  const base = createRelease({
    id: 'rel-1',
    function: 'checkout',
    alias: 'live',
    version: '3',
    stableVersion: '1',
    risk: 'normal',
    plan: parsePlan({ steps: [{ type: 'traffic', weight: 10, minBake: '5m' }, { type: 'traffic', weight: 50, minBake: '5m' }] }),
    policy: parsePolicy({
      alpha: 0.1,
      checks: [
        { name: 'seq', sli: { kind: 'error_rate' }, method: 'sequential', alpha: 0.05, holdAbove: 3 },
        { name: 'ceiling', sli: { kind: 'error_rate' }, method: 'threshold', value: 0.02 },
        { name: 'p99', sli: { kind: 'latency', percentile: 'p99' }, method: 'baseline', maxRatio: 1.5, slack: 10 },
        { name: 'p99-max', sli: { kind: 'latency', percentile: 'p99' }, method: 'threshold', comparator: '<', value: 900 },
      ],
    }),
    createdAt: new Date(T0).toISOString(),
  });
  return { ...base, ...overrides };
}

const arm = (invocations: number, errors: number, p99: number) => ({ invocations, errors, throttles: 0, p50: p99 / 3, p90: p99 / 2, p99 });
const periods: Period[] = [
  { start: T0, end: T0 + MINUTE, canary: arm(0, 0, 0), baseline: arm(1000, 5, 200) },
  { start: T0 + MINUTE, end: T0 + 2 * MINUTE, canary: arm(100, 4, 300), baseline: arm(900, 9, 200) },
];

describe('scales', () => {
  it('picks round ticks that cover the values', () => {
    expect(niceTicks(0, 0.052)).toEqual([0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06]);
    expect(niceTicks(0, 870, 4)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(-1.2, 4.6, 4)).toEqual([-2, 0, 2, 4, 6]);
    expect(niceTicks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('breaks lines where data is missing and joins step segments that touch', () => {
    expect(linePath([{ x: 0, y: 1 }, { x: 1, y: 2 }, { x: 2, y: undefined }, { x: 3, y: 4 }])).toBe('M0.0,1.0L1.0,2.0M3.0,4.0');
    expect(stepPath([{ x0: 0, x1: 10, y: 5 }, { x0: 10, x1: 20, y: 7 }, { x0: 20, x1: 30, y: undefined }])).toBe('M0.0,5.0L10.0,5.0L10.0,7.0L20.0,7.0');
    expect(timeTicks(T0, T0 + 10 * MINUTE)).toEqual([0, 2, 4, 6, 8, 10].map((minutes) => T0 + minutes * MINUTE));
  });
});

describe('SLI charts', () => {
  it('draws one chart per SLI: fixed lines for thresholds, maxRatio × baseline + slack per period for baseline checks', () => {
    const [errorRate, latency, ...rest] = sliCharts({ release: release(), periods, markers: [], from: T0, to: T0 + 2 * MINUTE });
    expect(rest).toEqual([]);
    expect(errorRate).toMatchObject({ id: 'chart-error_rate', unit: 'rate', thresholds: [{ label: 'ceiling ≤ 2%', value: 0.02 }] });
    expect(errorRate!.series.map((series) => series.key)).toEqual(['canary', 'baseline']);
    expect(errorRate!.series[0]!.points.map((point) => point.value)).toEqual([undefined, 0.04]);
    expect(errorRate!.series[1]!.points.map((point) => point.detail)).toEqual(['5/1000', '9/900']);
    expect(latency).toMatchObject({ id: 'chart-latency-p99', unit: 'ms', thresholds: [{ label: 'p99-max < 900 ms', value: 900 }] });
    const limit = latency!.series.find((series) => series.key === 'limit')!;
    expect(limit.label).toBe('p99: 1.5× baseline + 10 ms');
    expect(limit.points.map((point) => point.value)).toEqual([310, 310]);
    expect(latency!.summary).toContain('Latest period with traffic: new 300 ms, baseline 200 ms.');
  });

  it('says why a chart is empty', () => {
    const [chart] = sliCharts({ release: release(), periods: undefined, metricsError: 'ServiceUnavailable', markers: [], from: T0, to: T0 + MINUTE });
    expect(chart?.emptyText).toBe('metrics unavailable: ServiceUnavailable');
  });

  it('charts the sequential statistic from every decision against ln(1/α) and ln(holdAbove)', () => {
    const decision = (minute: number, statistic: number): Decision => ({
      action: 'hold',
      reason: 'baking',
      at: new Date(T0 + minute * MINUTE).toISOString(),
      stepIndex: 0,
      weight: 10,
      measurement: 'ok',
      explanation: 'baking',
      judgement: { verdict: 'pass', window: { start: T0, end: T0 }, canaryRequests: 10, checks: [{ check: 'seq', sli: 'error rate', method: 'sequential', verdict: 'pass', statistic, note: '' }] },
    });
    const events: ReleaseEvent[] = [
      { type: 'held', at: decision(1, -0.5).at, decision: decision(1, -0.5) },
      { type: 'held', at: decision(2, 1.25).at, decision: decision(2, 1.25) },
      { type: 'rollback_started', at: decision(3, Infinity).at, intent: 'rollback', reason: 'bad', decision: decision(3, Infinity) },
    ];
    const [chart] = sequentialCharts(release(), events, markersFrom(events), T0, T0 + 3 * MINUTE);
    expect(chart!.thresholds).toEqual([
      { label: 'roll back: ln(1/α) = 3.0', value: Math.log(20) },
      { label: 'hold: ln(3) = 1.1', value: Math.log(3), soft: true },
    ]);
    expect(chart!.series[0]!.points.map((point) => point.value)).toEqual([-0.5, 1.25, Math.log(20) * 1.25]);
    expect(chart!.series[0]!.points.at(-1)!.detail).toBe('pass (∞)');
    expect(chart!.markers).toEqual([{ at: T0 + 3 * MINUTE, label: 'rollback', kind: 'rollback' }]);
  });
});

describe('timeline and plan', () => {
  it('folds runs of holds and highlights rollbacks', () => {
    const hold = (minute: number, explanation: string): ReleaseEvent => ({
      type: 'held',
      at: new Date(T0 + minute * MINUTE).toISOString(),
      decision: { action: 'hold', reason: 'baking', at: '', stepIndex: 0, weight: 10, measurement: 'ok', explanation },
    });
    const entries = timelineEntries([
      hold(1, 'baking: 4m left'),
      hold(2, 'baking: 3m left'),
      { type: 'rollback_started', at: new Date(T0 + 3 * MINUTE).toISOString(), intent: 'rollback', actor: 'ana', reason: 'customers <complain>' },
      { type: 'drift_detected', at: new Date(T0 + 4 * MINUTE).toISOString(), expected: { functionVersion: '1', additionalVersion: '3', additionalWeight: 10 }, actual: { functionVersion: '4' } },
    ]);
    expect(entries).toMatchObject([
      { label: 'held', count: 2, text: 'baking: 3m left', tone: 'muted', until: new Date(T0 + 2 * MINUTE).toISOString() },
      { label: 'rollback', text: 'rolled back by ana: customers <complain>', tone: 'danger' },
      { label: 'drift', tone: 'warning', text: expect.stringContaining('it routes 100% to version 4, the gate expected 90% to version 1 and 10% to version 3') },
    ]);
  });

  it('marks steps done, current or where the release stopped, and offers only the actions its state allows', () => {
    const progressing = release({ state: 'progressing', stepIndex: 1, weight: 50 });
    expect(planProgress(progressing).map((row) => row.status)).toEqual(['done', 'current', 'pending']);
    expect(actionsAllowed(progressing)).toEqual(['pause', 'promote', 'abort', 'rollback']);
    const rolledBack = release({ state: 'rolled_back', stepIndex: 0 });
    expect(planProgress(rolledBack).map((row) => row.status)).toEqual(['failed', 'skipped', 'skipped']);
    expect(actionsAllowed(rolledBack)).toEqual([]);
    expect(actionsAllowed(release({ state: 'paused', pausedFrom: 'progressing', stepIndex: 0 }))).toEqual(['resume', 'promote', 'abort', 'rollback']);
    expect(actionsAllowed(release())).toEqual(['pause', 'abort']);
    expect(planProgress(release({ state: 'succeeded', stepIndex: 2 })).at(-1)).toEqual({ number: 3, text: 'verification at 100% for 30m', status: 'done' });
  });
});
