import { describe, expect, it } from 'vitest';
import { waldExpectedSamples } from '../../lib/core/analysis/sprt.js';
import type { Preflight } from '../../lib/core/preflight.js';
import type { ScenarioName } from '../../lib/core/simulator/scenarios.js';
import {
  briefPreflight,
  evaluateTargets,
  exceedsByTwoSe,
  firstMinuteRequests,
  renderGridReport,
  rolledBackAtFirstEvaluation,
  summarizeCell,
  waldFor,
  type CellSummary,
  type GridRun,
  type TargetResult,
} from '../../bench/detection-grid-report.js';
import { gridTasks, parseCells, refusedByDefault } from '../../bench/detection-grid-setup.js';

const judged: Preflight = { steps: [], feasible: true, mode: 'judged', expectedMinutesToFull: 20, slowMinutesToFull: 40, detectableRatio: 1.5, latencyObjectivesMs: {}, warnings: [] };
const refused: Preflight = { ...judged, feasible: false, mode: 'refused', slowMinutesToFull: undefined, warnings: [{ code: 'too_few_requests', message: 'too few' }] };

function run(overrides: Partial<GridRun> = {}): GridRun {
  return {
    seed: 's',
    outcome: 'succeeded',
    caughtBeforeFull: false,
    decisionMinute: undefined,
    canaryRequests: 100,
    canaryFailures: 0,
    minutesToFull: 15,
    minutes: 45,
    firstCanaryMinute: 1,
    ...overrides,
  };
}

/** `count` copies of one run. */
const times = (count: number, value: GridRun): GridRun[] => Array.from({ length: count }, () => value);

const rolledBack = (decisionMinute: number, canaryRequests: number, extra: Partial<GridRun> = {}) =>
  run({ outcome: 'rolled_back', caughtBeforeFull: true, decisionMinute, canaryRequests, minutesToFull: undefined, ...extra });

function cell(scenario: ScenarioName, runs: readonly GridRun[], requestsPerMinute = 1000, errorRate = 0.005, policy = 'default'): CellSummary {
  return summarizeCell({ requestsPerMinute, errorRate, scenario, policy }, runs);
}

function target(results: readonly TargetResult[], prefix: string): TargetResult {
  const found = results.find((result) => result.target.startsWith(prefix));
  if (found === undefined) throw new Error(`no target ${prefix}`);
  return found;
}

describe('a cell summary', () => {
  it('counts shares, means over the right runs, and the standard error of rollbacks', () => {
    const runs = [
      run({ minutesToFull: 15, preflight: judged }),
      run({ minutesToFull: 21 }),
      rolledBack(3, 50),
      run({ outcome: 'rolled_back', decisionMinute: 30, minutesToFull: 16, canaryRequests: 900 }), // during verification
      run({ outcome: 'paused', decisionMinute: 240, minutesToFull: undefined, canaryRequests: 4000 }),
      run({ outcome: 'timed_out', minutesToFull: undefined, canaryRequests: 5000 }),
      run({ outcome: 'refused', decisionMinute: 0, minutesToFull: undefined, canaryRequests: 0, firstCanaryMinute: undefined }),
      run({ minutesToFull: 18 }),
    ];
    const summary = cell('healthy', runs);
    expect(summary.runs).toBe(8);
    expect(summary.rolledBack).toBeCloseTo(2 / 8);
    expect(summary.rolledBackSe).toBeCloseTo(Math.sqrt((0.25 * 0.75) / 8));
    expect(summary.caught).toBeCloseTo(1 / 8);
    expect(summary.neededPerson).toBeCloseTo(2 / 8);
    expect(summary.refused).toBeCloseTo(1 / 8);
    expect(summary.reachedFull).toBeCloseTo(4 / 8);
    expect(summary.minutesToFull).toBeCloseTo((15 + 21 + 16 + 18) / 4);
    expect(summary.requestsToDetection).toBe(50);
    expect(summary.exposure).toBeCloseTo((100 + 100 + 50 + 900 + 4000 + 5000 + 0 + 100) / 8);
    expect(summary.minutesToDetect).toBe(3);
    expect(summary.preflight).toMatchObject({ mode: 'judged', expectedMinutesToFull: 20, warnings: [] });
    expect(summary.wald).toBeUndefined();
  });

  it("takes Wald's limit at the scenario's new-version error rate", () => {
    expect(waldFor('bad', 0.005)).toBeCloseTo(waldExpectedSamples(0.005, 0.025, 0.01, 0.05));
    expect(waldFor('bad-gaps', 0.02)).toBeCloseTo(waldExpectedSamples(0.02, 0.1, 0.01, 0.05));
    expect(waldFor('subtle', 0.001)).toBeCloseTo(waldExpectedSamples(0.001, 0.002, 0.01, 0.05));
    expect(waldFor('catastrophic', 0.005)).toBeCloseTo(waldExpectedSamples(0.005, 1, 0.01, 0.05));
    expect(waldFor('latency', 0.005)).toBeUndefined();
    expect(waldFor('healthy-ramp', 0.005)).toBeUndefined();
  });

  it("floors exposure at one minute of the first step, at the pre-flight's raised weight when it has one", () => {
    const raised: Preflight = { ...judged, steps: [{ stepIndex: 0, weight: 5, canaryPerMinute: 5, gathersEvidence: false }] };
    expect(cell('bad', [rolledBack(3, 10, { preflight: raised })], 100).preflight?.firstWeight).toBe(5);
    expect(firstMinuteRequests(cell('bad', [rolledBack(3, 10, { preflight: raised })], 100))).toBe(5);
    expect(firstMinuteRequests(cell('bad', [rolledBack(1, 1000)], 100_000, 0.005, 'argo'), 1)).toBe(1000);
    expect(firstMinuteRequests(cell('bad', [rolledBack(1, 1000)], 100_000, 0.005, 'argo'), 10)).toBe(10_000);
  });

  it('counts a rollback at the first evaluation only at or before the first minute with new-version requests', () => {
    expect(rolledBackAtFirstEvaluation(rolledBack(1, 10, { firstCanaryMinute: 1 }))).toBe(true);
    expect(rolledBackAtFirstEvaluation(rolledBack(3, 10, { firstCanaryMinute: 3 }))).toBe(true); // the first minutes brought no requests
    expect(rolledBackAtFirstEvaluation(rolledBack(2, 10, { firstCanaryMinute: 1 }))).toBe(false);
    expect(rolledBackAtFirstEvaluation(rolledBack(1, 10, { firstCanaryMinute: undefined }))).toBe(false);
    expect(rolledBackAtFirstEvaluation(run({ outcome: 'paused', decisionMinute: 1, firstCanaryMinute: 1 }))).toBe(false);
    const summary = cell('catastrophic', [rolledBack(1, 10), rolledBack(1, 12), rolledBack(4, 40), run({ outcome: 'refused', minutesToFull: undefined })]);
    expect(summary.firstEvaluation).toBeCloseTo(2 / 4);
  });
});

describe('the targets', () => {
  const planMinutes = 15;

  it('fails false rollbacks only above 1% by more than two standard errors', () => {
    expect(exceedsByTwoSe(0.02, 0.004, 0.01)).toBe(true);
    expect(exceedsByTwoSe(0.5, 0.125, 0.25)).toBe(false); // exactly 2 SE above: not a failure
    expect(exceedsByTwoSe(0.5, 0.124, 0.25)).toBe(true);
    expect(exceedsByTwoSe(0.009, 0, 0.01)).toBe(false);

    // 1 of 50 (2% ± 2%): above 1%, but within 2 SE.
    const noisy = cell('healthy', [...times(49, run({ preflight: judged })), rolledBack(3, 30)], 300);
    // 50 of 1000 (5% ± 0.7%): a failure; and a 2% rate over 5,000 runs (± 0.2%) too.
    const clear = cell('healthy-incident', [...times(950, run({ preflight: judged })), ...times(50, rolledBack(8, 300))], 1000);
    const tight = cell('healthy-late', [...times(4900, run({ preflight: judged })), ...times(100, rolledBack(8, 300))], 3000);
    const results = evaluateTargets([noisy, clear, tight], { planMinutes });
    const falseRollbacks = target(results, 'false rollbacks');
    expect(falseRollbacks.verdict).toBe('NOT MET');
    expect(falseRollbacks.cells).toHaveLength(2);
    expect(falseRollbacks.cells.join()).toContain('1k rpm / 0.5% healthy-incident');
    expect(falseRollbacks.cells.join()).toContain('3k rpm / 0.5% healthy-late');
    expect(falseRollbacks.cells.join()).not.toContain('300 rpm');

    expect(target(evaluateTargets([noisy], { planMinutes }), 'false rollbacks').verdict).toBe('MET');
  });

  it('judges people, catches and exposure only in feasible cells', () => {
    const wald = waldFor('bad', 0.005)!;
    const summaries = [
      // Refused cell: pauses and misses there do not count.
      cell('healthy', times(10, run({ outcome: 'paused', minutesToFull: undefined, preflight: refused })), 100),
      cell('bad', times(10, run({ minutesToFull: 15, canaryRequests: 10_000, preflight: refused })), 100),
      // Judged cells.
      cell('healthy', [...times(97, run({ preflight: judged })), ...times(3, run({ outcome: 'paused', minutesToFull: undefined }))], 1000),
      cell('bad', [...times(98, rolledBack(5, Math.round(1.5 * wald), { preflight: judged })), ...times(2, run({ canaryRequests: 3000 }))], 1000),
      cell('bad-ramp', times(100, rolledBack(5, Math.round(2.5 * wald), { preflight: judged })), 3000),
      // Below 1k rpm the exposure target does not apply.
      cell('bad-late', times(100, rolledBack(5, 50 * wald, { preflight: judged })), 300),
    ];
    const results = evaluateTargets(summaries, { planMinutes });
    const person = target(results, 'healthy needing a person');
    expect(person.verdict).toBe('NOT MET');
    expect(person.cells).toEqual(['1k rpm / 0.5% healthy: 3%']);
    const caught = target(results, 'bad (5×');
    expect(caught.verdict).toBe('NOT MET');
    expect(caught.cells).toEqual(['1k rpm / 0.5% bad: 98%']);
    const exposure = target(results, 'bad: mean exposure');
    expect(exposure.verdict).toBe('NOT MET');
    expect(exposure.cells).toHaveLength(1);
    expect(exposure.cells[0]).toContain('3k rpm / 0.5% bad-ramp');
    const infeasible = target(results, 'infeasible');
    expect(infeasible.cells).toEqual(['100 rpm / 0.5%: refused, expected 20 min, slow case beyond the deadline, catches 1.5×']);
    expect(infeasible.measured).toBe('1 of 4 cells');
  });

  it('meets the catch and exposure targets when every feasible bad cell is caught cheaply', () => {
    const wald = waldFor('bad', 0.005)!;
    const results = evaluateTargets(
      [
        cell('healthy', times(100, run({ preflight: judged }))),
        cell('bad', [...times(99, rolledBack(5, Math.round(1.9 * wald), { preflight: judged })), run({ canaryRequests: 2 * wald })]),
      ],
      { planMinutes },
    );
    expect(target(results, 'bad (5×').verdict).toBe('MET');
    expect(target(results, 'bad: mean exposure').verdict).toBe('MET');
    expect(target(results, 'healthy needing a person').verdict).toBe('MET');
    expect(target(results, 'catastrophic').verdict).toBe('not run');
    expect(target(results, 'subtle').verdict).toBe('not run');
  });

  it('needs subtle caught at 1k rpm / 0.5% and a healthy time within 1.1× the traffic-aware minimum', () => {
    const subtle = (share: number) => cell('subtle', [...times(Math.round(100 * share), rolledBack(10, 2000, { preflight: judged })), ...times(Math.round(100 * (1 - share)), run({ canaryRequests: 3000 }))]);
    const healthy = (minutes: number) => cell('healthy', times(10, run({ minutesToFull: minutes, preflight: judged })));
    expect(target(evaluateTargets([subtle(0.92), healthy(16)], { planMinutes }), 'subtle').verdict).toBe('MET');
    const slow = target(evaluateTargets([subtle(0.92), healthy(17)], { planMinutes }), 'subtle');
    expect(slow.verdict).toBe('NOT MET');
    expect(slow.cells).toEqual(['1k rpm / 0.5% healthy: time to 100%']);
    expect(slow.measured).toContain('0.85× the pre-flight');
    // Where the traffic needs longer than the bakes to bring Wald's evidence, that is the minimum.
    const preflightByCell = new Map([['1000:0.005', briefPreflight({ ...judged, limitMinutesToFull: 18 })]]);
    expect(target(evaluateTargets([subtle(0.92), healthy(19.5)], { planMinutes, preflightByCell }), 'subtle').verdict).toBe('MET');
    const beyond = target(evaluateTargets([subtle(0.92), healthy(20)], { planMinutes, preflightByCell }), 'subtle');
    expect(beyond.verdict).toBe('NOT MET');
    expect(beyond.measured).toContain('1.11× the traffic-aware minimum (18.0 min)');
    const missed = target(evaluateTargets([subtle(0.85), healthy(15)], { planMinutes }), 'subtle');
    expect(missed.verdict).toBe('NOT MET');
    expect(missed.cells).toEqual(['1k rpm / 0.5% subtle: caught']);
    // Another cell's subtle does not stand in for 1k rpm / 0.5%.
    expect(target(evaluateTargets([cell('subtle', times(10, rolledBack(10, 100, { preflight: judged })), 3000), healthy(15)], { planMinutes }), 'subtle').verdict).toBe('not run');
  });

  it('needs every feasible catastrophic run rolled back at its first evaluation', () => {
    const summaries = [
      cell('catastrophic', times(20, rolledBack(1, 10, { preflight: judged })), 1000),
      cell('catastrophic', [...times(19, rolledBack(1, 10, { preflight: judged })), rolledBack(2, 20)], 3000),
      cell('catastrophic', times(20, run({ outcome: 'refused', minutesToFull: undefined, preflight: refused })), 30),
    ];
    const result = target(evaluateTargets(summaries, { planMinutes }), 'catastrophic');
    expect(result.verdict).toBe('NOT MET');
    expect(result.cells).toHaveLength(1);
    expect(result.cells[0]).toContain('3k rpm / 0.5% catastrophic: 95%');
    expect(target(evaluateTargets(summaries.slice(0, 1), { planMinutes }), 'catastrophic').verdict).toBe('MET');
  });

  it("takes feasibility from the given pre-flight, so other policies are judged on the default's cells", () => {
    const other = [cell('bad', times(10, run({ canaryRequests: 3000 })), 1000, 0.005, 'codedeploy')];
    expect(target(evaluateTargets(other, { planMinutes }), 'bad (5×').verdict).toBe('not run');
    const preflights = new Map([['1000:0.005', { mode: 'judged' as const, feasible: true, warnings: [] }]]);
    expect(target(evaluateTargets(other, { planMinutes, preflightByCell: preflights }), 'bad (5×').verdict).toBe('NOT MET');
  });
});

describe('the report', () => {
  it('renders the summary, the targets and a section per scenario', () => {
    const summaries = [
      cell('healthy', times(10, run({ preflight: judged }))),
      cell('bad', times(10, rolledBack(5, 150, { preflight: judged }))),
      cell('healthy', [...times(5, run()), ...times(5, rolledBack(2, 20))], 1000, 0.005, 'argo'),
      cell('bad', times(10, rolledBack(5, 400)), 1000, 0.005, 'argo'),
    ];
    const report = renderGridReport({
      summaries,
      policies: [
        { id: 'default', label: 'ours' },
        { id: 'argo', label: 'theirs' },
      ],
      primary: 'default',
      planMinutes: 15,
      runsPerCell: 10,
    });
    expect(report).toContain('## Summary');
    expect(report).toContain('## Targets (default)');
    expect(report).toContain('### healthy');
    expect(report).toContain('### bad');
    expect(report).toContain('judged, 20–40 min, 1.5×');
    // argo's 50% false rollbacks over 10 runs (± 15.8%) are far above 1% + 2 SE.
    expect(report).toMatch(/\| false rollbacks[^|]*\| MET +\| worst 0%/);
    expect(report).toMatch(/\| false rollbacks[^|]*\| NOT MET \(1\) \|/);
    expect(report).toContain('| 1k rpm / 0.5% | argo    | 10   | 50% ± 15.8%');
  });
});

describe('the synthetic-evidence section', () => {
  it('reports the probes policy per refused cell in its own section, and leaves it out of the comparison', () => {
    const summaries = [
      cell('healthy', times(10, run({ preflight: refused, minutesToFull: undefined, outcome: 'refused' })), 10),
      cell('healthy', times(10, run({ preflight: { ...refused, mode: 'synthetic' }, minutesToFull: 26 })), 10, 0.005, 'default-probes'),
      cell('catastrophic', times(10, rolledBack(2, 1)), 10, 0.005, 'default-probes'),
      cell('bad', [...times(6, rolledBack(40, 30)), ...times(4, run({ minutesToFull: 30 }))], 10, 0.005, 'default-probes'),
    ];
    const report = renderGridReport({ summaries, policies: [{ id: 'default', label: 'ours' }], primary: 'default', synthetic: { id: 'default-probes', label: 'on probes' }, planMinutes: 15, runsPerCell: 10 });
    expect(report).toContain('- **default-probes**: on probes');
    const section = report.slice(report.indexOf('## Infeasible cells on synthetic evidence (default-probes)'));
    expect(section).toMatch(/\| 10 rpm \/ 0\.5% \| synthetic \| 0% +\| 0% +\| 26\.0 +\| 60% +\|/);
    expect(section).toContain('### catastrophic (default-probes)');
    // The by-scenario comparison stays the listed policies'.
    const byScenario = report.slice(report.indexOf('## By scenario'));
    expect(byScenario).not.toContain('default-probes');
    expect(report.split('\n').filter((line) => line.startsWith('| default-probes'))).toHaveLength(0);
  });
});

describe('the grid setup', () => {
  it('runs the probes policy only where the default pre-flight refuses', () => {
    expect(refusedByDefault({ requestsPerMinute: 10, errorRate: 0.005 })).toBe(true);
    expect(refusedByDefault({ requestsPerMinute: 1_000, errorRate: 0.005 })).toBe(false);
    const tasks = gridTasks(parseCells('10:0.005,1000:0.005'), ['healthy', 'bad'], 5);
    const probes = tasks.filter((task) => task.policy === 'default-probes');
    expect(probes.map((task) => task.cell.requestsPerMinute)).toEqual([10, 10]);
    expect(tasks.filter((task) => task.policy === 'default')).toHaveLength(4);
    expect(new Set(tasks.map((task) => task.id)).size).toBe(tasks.length);
  });
});
