/**
 * The detection grid's pure parts: a cell's summary from its runs, the targets' verdicts, and the
 * Markdown report. No I/O, no workers: bench/detection-grid.ts runs the grid and feeds these.
 */
import { waldExpectedSamples } from '../lib/core/analysis/sprt.js';
import { percent } from '../lib/core/format.js';
import type { Preflight, PreflightMode } from '../lib/core/preflight.js';
import type { RunResult } from '../lib/core/simulator/run.js';
import { scenarioWorld, type ScenarioName } from '../lib/core/simulator/scenarios.js';
import { markdownTable } from '../lib/cli/table.js';

/** Wald's limit is taken at the policy's α and a 5% miss rate. */
export const WALD_ALPHA = 0.01;
export const WALD_BETA = 0.05;

/** A run as the grid records it: the simulator's result and the first minute the gate saw the new version serve a request. */
export interface GridRun extends RunResult {
  /**
   * The end, in minutes from the start, of the first period in which the gate observed at least one
   * new-version request (as the gate saw it: with late metrics, the partial first view). Undefined
   * when the gate never saw one (refused, or no traffic reached the new version).
   */
  readonly firstCanaryMinute?: number | undefined;
}

export type ScenarioFamily = 'healthy' | 'bad' | 'subtle' | 'catastrophic' | 'latency';

export function scenarioFamily(scenario: ScenarioName): ScenarioFamily {
  return scenario.split('-')[0] as ScenarioFamily;
}

/** What the pre-flight said for a cell, without its per-step detail. */
export interface PreflightBrief {
  readonly mode: PreflightMode;
  readonly feasible: boolean;
  readonly expectedMinutesToFull?: number | undefined;
  readonly slowMinutesToFull?: number | undefined;
  /** The traffic-aware minimum: the plan's bakes, and the evidence at Wald's bound (Preflight.limitMinutesToFull). */
  readonly limitMinutesToFull?: number | undefined;
  readonly detectableRatio?: number | undefined;
  readonly requestsToRuleOut?: number | undefined;
  /** The first step's weight as the pre-flight set it (raised at low traffic). */
  readonly firstWeight?: number | undefined;
  readonly warnings: readonly string[];
}

export function briefPreflight(report: Preflight): PreflightBrief {
  return {
    mode: report.mode,
    feasible: report.feasible,
    expectedMinutesToFull: report.expectedMinutesToFull,
    slowMinutesToFull: report.slowMinutesToFull,
    limitMinutesToFull: report.limitMinutesToFull,
    detectableRatio: report.detectableRatio,
    requestsToRuleOut: report.requestsToRuleOut,
    firstWeight: report.steps.find((step) => step.weight > 0)?.weight,
    warnings: report.warnings.map((warning) => warning.code),
  };
}

export interface CellKey {
  readonly requestsPerMinute: number;
  readonly errorRate: number;
  readonly scenario: ScenarioName;
  readonly policy: string;
}

export interface CellSummary extends CellKey {
  readonly runs: number;
  /** Share rolled back at any time (on a healthy scenario: false rollbacks), and its standard error. */
  readonly rolledBack: number;
  readonly rolledBackSe: number;
  /** Share rolled back before 100%. */
  readonly caught: number;
  readonly reachedFull: number;
  /** Share that needed a person: paused, or still undecided at the run's safety stop. */
  readonly neededPerson: number;
  readonly refused: number;
  /** Mean minutes to 100% over the runs that reached it. */
  readonly minutesToFull?: number | undefined;
  /** Mean new-version requests before the rollback, over the runs caught before 100%. */
  readonly requestsToDetection?: number | undefined;
  /** Mean new-version requests before rollback or 100%, over all runs (uncaught runs count all of theirs). */
  readonly exposure: number;
  /** Mean minute of the rollback over the runs caught before 100%. */
  readonly minutesToDetect?: number | undefined;
  /** Share rolled back at the first evaluation: `decisionMinute ≤ firstCanaryMinute`. */
  readonly firstEvaluation: number;
  /** Wald's expected sample number for this scenario's new-version error rate; undefined when it is no worse than the stable one. */
  readonly wald?: number | undefined;
  readonly preflight?: PreflightBrief | undefined;
}

/** The scenario's new-version error rate at stable rate p0, and Wald's limit for it. */
export function waldFor(scenario: ScenarioName, p0: number): number | undefined {
  const p1 = scenarioWorld(scenario, { baselineErrorRate: p0 }).canary.errorRate;
  if (!(p1 > p0)) return undefined;
  return waldExpectedSamples(p0, p1, WALD_ALPHA, WALD_BETA);
}

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Standard error of a share p over n runs (binomial). */
export function shareSe(p: number, n: number): number {
  return n === 0 ? 0 : Math.sqrt((p * (1 - p)) / n);
}

/** Whether a run was rolled back at its first evaluation: at or before the first minute the gate saw a new-version request. */
export function rolledBackAtFirstEvaluation(run: GridRun): boolean {
  return run.outcome === 'rolled_back' && run.decisionMinute !== undefined && run.firstCanaryMinute !== undefined && run.decisionMinute <= run.firstCanaryMinute;
}

export function summarizeCell(key: CellKey, runs: readonly GridRun[]): CellSummary {
  const n = runs.length;
  const share = (predicate: (run: GridRun) => boolean) => (n === 0 ? 0 : runs.filter(predicate).length / n);
  const caught = runs.filter((run) => run.caughtBeforeFull);
  const rolledBack = share((run) => run.outcome === 'rolled_back');
  const preflight = runs.find((run) => run.preflight !== undefined)?.preflight;
  return {
    ...key,
    runs: n,
    rolledBack,
    rolledBackSe: shareSe(rolledBack, n),
    caught: share((run) => run.caughtBeforeFull),
    reachedFull: share((run) => run.minutesToFull !== undefined),
    neededPerson: share((run) => run.outcome === 'paused' || run.outcome === 'timed_out'),
    refused: share((run) => run.outcome === 'refused'),
    minutesToFull: mean(runs.flatMap((run) => (run.minutesToFull === undefined ? [] : [run.minutesToFull]))),
    requestsToDetection: mean(caught.map((run) => run.canaryRequests)),
    exposure: mean(runs.map((run) => run.canaryRequests)) ?? 0,
    minutesToDetect: mean(caught.map((run) => run.decisionMinute ?? 0)),
    firstEvaluation: share(rolledBackAtFirstEvaluation),
    wald: waldFor(key.scenario, key.errorRate),
    preflight: preflight === undefined ? undefined : briefPreflight(preflight),
  };
}

// ---- formatting -------------------------------------------------------------------------------

export function rpmText(rpm: number): string {
  return rpm >= 1000 && rpm % 1000 === 0 ? `${rpm / 1000}k` : String(rpm);
}

export function cellLabel(cell: { requestsPerMinute: number; errorRate: number }): string {
  return `${rpmText(cell.requestsPerMinute)} rpm / ${percent(cell.errorRate)}`;
}

const num = (value: number | undefined, digits = 0) => (value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));
/** Counts below 10 keep a decimal (Wald's limit for a version that always fails is under one request). */
const small = (value: number | undefined) => num(value, value !== undefined && value < 10 ? 1 : 0);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`);

function cellId(summary: { requestsPerMinute: number; errorRate: number }): string {
  return `${summary.requestsPerMinute}:${summary.errorRate}`;
}

// ---- targets ----------------------------------------------------------------------------------

export type Verdict = 'MET' | 'NOT MET' | 'not run' | 'reported';

export interface TargetResult {
  readonly target: string;
  readonly verdict: Verdict;
  readonly measured: string;
  /** The cells (and scenarios) that fail the target, or for the infeasible row the cells listed. */
  readonly cells: readonly string[];
}

export interface TargetOptions {
  /** The plan's minimum minutes to 100% (15 for the default plan). */
  readonly planMinutes: number;
  /** The plan's first weight, for policies without a pre-flight (1 for the default plan). */
  readonly firstWeight?: number | undefined;
  /** The cells' pre-flight, keyed `rpm:rate`; a cell is feasible when its mode is 'judged'. Defaults to each summary's own. */
  readonly preflightByCell?: ReadonlyMap<string, PreflightBrief> | undefined;
}

/** The pre-flight of each cell, from the summaries that carry one (the default policy's). */
export function preflightByCell(summaries: readonly CellSummary[]): Map<string, PreflightBrief> {
  const byCell = new Map<string, PreflightBrief>();
  for (const summary of summaries) if (summary.preflight !== undefined && !byCell.has(cellId(summary))) byCell.set(cellId(summary), summary.preflight);
  return byCell;
}

const FALSE_ROLLBACK_LIMIT = 0.01;

/** Above the limit by more than two standard errors: what the false-rollback target counts as a failure. */
export function exceedsByTwoSe(share: number, se: number, limit: number): boolean {
  return share - limit > 2 * se;
}

function verdictOf(considered: number, failing: readonly unknown[]): Verdict {
  if (considered === 0) return 'not run';
  return failing.length === 0 ? 'MET' : 'NOT MET';
}

/**
 * The least time to 100% a cell's traffic allows: the plan's bakes, and at its last step the
 * time Wald's bound says any gate with the policy's α and β needs to rule out the target.
 */
export function trafficMinimum(summary: CellSummary, preflights: ReadonlyMap<string, PreflightBrief>, planMinutes: number): number {
  return Math.max(planMinutes, preflights.get(cellId(summary))?.limitMinutesToFull ?? planMinutes);
}

/** The targets for one policy's summaries. */
export function evaluateTargets(summaries: readonly CellSummary[], options: TargetOptions): TargetResult[] {
  const preflights = options.preflightByCell ?? preflightByCell(summaries);
  const feasible = (summary: CellSummary) => preflights.get(cellId(summary))?.mode === 'judged';
  const label = (summary: CellSummary) => `${cellLabel(summary)} ${summary.scenario}`;
  const results: TargetResult[] = [];

  const healthy = summaries.filter((summary) => scenarioFamily(summary.scenario) === 'healthy');
  const falseRollbackFails = healthy.filter((summary) => exceedsByTwoSe(summary.rolledBack, summary.rolledBackSe, FALSE_ROLLBACK_LIMIT));
  const worstRollback = healthy.reduce<CellSummary | undefined>((worst, summary) => (worst === undefined || summary.rolledBack > worst.rolledBack ? summary : worst), undefined);
  results.push({
    target: 'false rollbacks ≤ 1% in every cell (fails only above 1% by more than 2 SE)',
    verdict: verdictOf(healthy.length, falseRollbackFails),
    measured: worstRollback === undefined ? '–' : `worst ${percent(worstRollback.rolledBack)} ± ${percent(worstRollback.rolledBackSe)} (${label(worstRollback)}) over ${healthy.length} cell-scenarios`,
    cells: falseRollbackFails.map((summary) => `${label(summary)}: ${percent(summary.rolledBack)} ± ${percent(summary.rolledBackSe)}`),
  });

  const healthyFeasible = healthy.filter(feasible);
  const personFails = healthyFeasible.filter((summary) => summary.neededPerson > 0.01);
  const worstPerson = Math.max(0, ...healthyFeasible.map((summary) => summary.neededPerson));
  results.push({
    target: 'healthy needing a person (paused or timed out) ≤ 1% in feasible cells',
    verdict: verdictOf(healthyFeasible.length, personFails),
    measured: `worst ${percent(worstPerson)} over ${healthyFeasible.length} feasible cell-scenarios`,
    cells: personFails.map((summary) => `${label(summary)}: ${percent(summary.neededPerson)}`),
  });

  const badFeasible = summaries.filter((summary) => scenarioFamily(summary.scenario) === 'bad' && feasible(summary));
  const caughtFails = badFeasible.filter((summary) => summary.caught < 0.99);
  const worstCaught = Math.min(1, ...badFeasible.map((summary) => summary.caught));
  results.push({
    target: 'bad (5×, with and without world effects) caught before 100% ≥ 99% in feasible cells',
    verdict: verdictOf(badFeasible.length, caughtFails),
    measured: `worst ${percent(worstCaught)} over ${badFeasible.length} feasible cell-scenarios`,
    cells: caughtFails.map((summary) => `${label(summary)}: ${percent(summary.caught)}`),
  });

  const badBusy = badFeasible.filter((summary) => summary.requestsPerMinute >= 1000 && summary.wald !== undefined);
  const exposureFails = badBusy.filter((summary) => summary.exposure > 2 * summary.wald!);
  const worstExposure = Math.max(0, ...badBusy.map((summary) => summary.exposure / summary.wald!));
  results.push({
    target: 'bad: mean exposure (all runs) ≤ 2× Wald in feasible cells at ≥ 1k rpm',
    verdict: verdictOf(badBusy.length, exposureFails),
    measured: `worst ${worstExposure.toFixed(2)}× over ${badBusy.length} cell-scenarios`,
    cells: exposureFails.map(
      (summary) => `${label(summary)}: ${ratio(summary.exposure, summary.wald)} (${num(summary.exposure)} vs ${num(summary.wald)}; one minute of the first step alone is ${num(firstMinuteRequests(summary, options.firstWeight))})`,
    ),
  });

  const at = (scenario: ScenarioName) => summaries.find((summary) => summary.requestsPerMinute === 1000 && summary.errorRate === 0.005 && summary.scenario === scenario);
  const subtle = at('subtle');
  const reference = at('healthy');
  const subtleOk = subtle !== undefined && subtle.caught >= 0.9;
  const minimum = reference === undefined ? undefined : trafficMinimum(reference, preflights, options.planMinutes);
  const timeOk = reference?.minutesToFull !== undefined && minimum !== undefined && reference.minutesToFull <= 1.1 * minimum;
  results.push({
    target: `subtle (2×) caught ≥ 90% at 1k rpm / 0.5%, with healthy time to 100% ≤ 1.1× the traffic-aware minimum`,
    verdict: subtle === undefined || reference === undefined ? 'not run' : subtleOk && timeOk ? 'MET' : 'NOT MET',
    measured:
      subtle === undefined || reference === undefined
        ? '–'
        : `caught ${percent(subtle.caught)}; healthy ${num(reference.minutesToFull, 2)} min = ${ratio(reference.minutesToFull, minimum)} the traffic-aware minimum (${num(minimum, 1)} min), ${ratio(reference.minutesToFull, options.planMinutes)} the plan's bakes, ${ratio(reference.minutesToFull, reference.preflight?.expectedMinutesToFull ?? preflights.get(cellId(reference))?.expectedMinutesToFull)} the pre-flight's expected`,
    cells: [...(subtle !== undefined && !subtleOk ? ['1k rpm / 0.5% subtle: caught'] : []), ...(reference !== undefined && !timeOk ? ['1k rpm / 0.5% healthy: time to 100%'] : [])],
  });

  const catastrophic = summaries.filter((summary) => scenarioFamily(summary.scenario) === 'catastrophic' && feasible(summary));
  const firstFails = catastrophic.filter((summary) => summary.firstEvaluation < 1);
  const worstFirst = Math.min(1, ...catastrophic.map((summary) => summary.firstEvaluation));
  results.push({
    target: 'catastrophic rolled back at the first evaluation (every run) in feasible cells',
    verdict: verdictOf(catastrophic.length, firstFails),
    measured: `worst ${percent(worstFirst)} over ${catastrophic.length} feasible cells`,
    cells: firstFails.map((summary) => `${label(summary)}: ${percent(summary.firstEvaluation)} (mean decision minute ${num(summary.minutesToDetect, 2)})`),
  });

  const cells = [...new Map(summaries.map((summary) => [cellId(summary), summary])).values()];
  const infeasible = cells.filter((summary) => preflights.has(cellId(summary)) && !feasible(summary));
  results.push({
    target: 'infeasible cells (pre-flight not judged)',
    verdict: 'reported',
    measured: `${infeasible.length} of ${cells.length} cells`,
    cells: infeasible.map((summary) => `${cellLabel(summary)}: ${describeBrief(preflights.get(cellId(summary))!)}`),
  });
  return results;
}

/**
 * New-version requests in one minute of the first step: the least a gate that judges whole
 * one-minute periods can serve before its first decision. Above Wald's limit at high traffic.
 */
export function firstMinuteRequests(summary: CellSummary, planFirstWeight = 1): number {
  return (summary.requestsPerMinute * (summary.preflight?.firstWeight ?? planFirstWeight)) / 100;
}

export function describeBrief(brief: PreflightBrief): string {
  const expected = brief.expectedMinutesToFull === undefined ? 'no expected time' : `expected ${num(brief.expectedMinutesToFull, 0)} min`;
  const slow = brief.slowMinutesToFull === undefined ? 'slow case beyond the deadline' : `slow ${num(brief.slowMinutesToFull, 0)} min`;
  const detectable = brief.detectableRatio === undefined ? 'no detectable ratio' : `catches ${brief.detectableRatio}×`;
  return `${brief.mode}, ${expected}, ${slow}, ${detectable}`;
}

// ---- rendering --------------------------------------------------------------------------------

export interface GridReportInput {
  readonly summaries: readonly CellSummary[];
  /** Policy ids in order, with their descriptions. */
  readonly policies: readonly { readonly id: string; readonly label: string }[];
  /** The policy whose pre-flight decides feasibility and whose targets are detailed. */
  readonly primary: string;
  readonly planMinutes: number;
  /** The plan's first weight (before any pre-flight raise). */
  readonly firstWeight?: number | undefined;
  /** A policy run only where the primary's pre-flight refuses, reported in a section of its own. */
  readonly synthetic?: { readonly id: string; readonly label: string } | undefined;
  readonly runsPerCell: number;
  readonly seconds?: number | undefined;
  readonly header?: readonly string[] | undefined;
}

function sortCells<T extends { requestsPerMinute: number; errorRate: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.requestsPerMinute - b.requestsPerMinute || a.errorRate - b.errorRate);
}

function healthyTable(rows: readonly CellSummary[], planMinutes: number, preflights: ReadonlyMap<string, PreflightBrief>): string {
  return markdownTable(
    ['cell', 'policy', 'runs', 'false rollbacks ± SE', 'needed a person', 'refused', 'reached 100%', 'mean min to 100%', '÷ pre-flight expected', '÷ traffic-aware min', `÷ plan min (${planMinutes})`],
    rows.map((summary) => [
      cellLabel(summary),
      summary.policy,
      String(summary.runs),
      `${percent(summary.rolledBack)} ± ${percent(summary.rolledBackSe)}`,
      percent(summary.neededPerson),
      percent(summary.refused),
      percent(summary.reachedFull),
      num(summary.minutesToFull, 2),
      ratio(summary.minutesToFull, preflights.get(cellId(summary))?.expectedMinutesToFull),
      ratio(summary.minutesToFull, trafficMinimum(summary, preflights, planMinutes)),
      ratio(summary.minutesToFull, planMinutes),
    ]),
  );
}

function badTable(rows: readonly CellSummary[], catastrophic: boolean, firstWeight: number | undefined): string {
  return markdownTable(
    [
      'cell',
      'policy',
      'runs',
      'caught before 100%',
      'reached 100%',
      'needed a person',
      'refused',
      'requests to detection (caught)',
      '÷ Wald',
      'exposure (all runs)',
      '÷ Wald',
      'Wald',
      'first minute',
      'min to detect',
      ...(catastrophic ? ['rolled back at first evaluation'] : []),
    ],
    rows.map((summary) => [
      cellLabel(summary),
      summary.policy,
      String(summary.runs),
      percent(summary.caught),
      percent(summary.reachedFull),
      percent(summary.neededPerson),
      percent(summary.refused),
      num(summary.requestsToDetection),
      ratio(summary.requestsToDetection, summary.wald),
      num(summary.exposure),
      ratio(summary.exposure, summary.wald),
      small(summary.wald),
      small(firstMinuteRequests(summary, firstWeight)),
      num(summary.minutesToDetect, 1),
      ...(catastrophic ? [percent(summary.firstEvaluation)] : []),
    ]),
  );
}

/** The targets as a table, then the cells each one lists (failing, or for the infeasible row the cells themselves). */
function targetsTable(results: readonly TargetResult[]): string {
  const table = markdownTable(
    ['target', 'result', 'measured', 'cells listed'],
    results.map((result) => [result.target, result.verdict, result.measured, result.cells.length === 0 ? '–' : String(result.cells.length)]),
  );
  const lists = results
    .filter((result) => result.cells.length > 0)
    .flatMap((result) => ['', `**${result.target}** — ${result.verdict === 'reported' ? 'cells' : 'failing'}:`, '', ...result.cells.map((entry) => `- ${entry}`)]);
  return [table, ...lists].join('\n');
}

/** Per infeasible cell, the worst of each scenario family on synthetic evidence, then the family tables. */
function syntheticSection(id: string, rows: readonly CellSummary[], planMinutes: number, preflights: ReadonlyMap<string, PreflightBrief>, firstWeight: number | undefined): string[] {
  const cells = sortCells([...new Map(rows.map((summary) => [cellId(summary), summary])).values()]);
  const of = (cell: CellSummary, family: ScenarioFamily) => rows.filter((summary) => cellId(summary) === cellId(cell) && scenarioFamily(summary.scenario) === family);
  const extreme = (values: readonly number[], pick: 'max' | 'min') => (values.length === 0 ? '–' : percent(pick === 'max' ? Math.max(...values) : Math.min(...values)));
  const table = markdownTable(
    ['cell', 'mode', 'worst false rollbacks', 'worst healthy needing a person', 'healthy min to 100%', 'worst bad caught before 100%', 'bad rolled back at all', 'subtle caught', 'catastrophic caught', 'catastrophic min to detect', 'latency caught'],
    cells.map((cell) => {
      const healthy = of(cell, 'healthy');
      const bad = of(cell, 'bad');
      const plain = (scenario: ScenarioName) => rows.find((summary) => cellId(summary) === cellId(cell) && summary.scenario === scenario);
      const catastrophic = plain('catastrophic');
      return [
        cellLabel(cell),
        rows.find((summary) => cellId(summary) === cellId(cell) && summary.preflight !== undefined)?.preflight?.mode ?? '–',
        extreme(healthy.map((summary) => summary.rolledBack), 'max'),
        extreme(healthy.map((summary) => summary.neededPerson), 'max'),
        num(plain('healthy')?.minutesToFull, 1),
        extreme(bad.map((summary) => summary.caught), 'min'),
        extreme(plain('bad') === undefined ? [] : [plain('bad')!.rolledBack], 'min'),
        extreme(plain('subtle') === undefined ? [] : [plain('subtle')!.caught], 'min'),
        extreme(catastrophic === undefined ? [] : [catastrophic.caught], 'min'),
        num(catastrophic?.minutesToDetect, 1),
        extreme(plain('latency') === undefined ? [] : [plain('latency')!.caught], 'min'),
      ];
    }),
  );
  const scenarios = [...new Set(rows.map((summary) => summary.scenario))];
  const tables = scenarios.flatMap((scenario) => {
    const family = scenarioFamily(scenario);
    const own = sortCells(rows.filter((summary) => summary.scenario === scenario));
    return [`### ${scenario} (${id})`, '', family === 'healthy' ? healthyTable(own, planMinutes, preflights) : badTable(own, family === 'catastrophic', firstWeight), ''];
  });
  return [
    `## Infeasible cells on synthetic evidence (${id})`,
    '',
    "Where the default pre-flight refuses, the same policy with `onInfeasible: synthetic` judges on paired probes beside the traffic it has. A probe fails at its version's error rate in the scenario (the sample events are as likely to fail as real requests). Probes rule out coarse regressions only, failing 5% of them (lib/core/synthetic.ts), so a bad release whose error rate stays below that is promoted unless the real traffic catches it. Worst over the scenario family (healthy-*, bad-*); the plain scenario elsewhere. Bad rolled back at all: during verification too.",
    '',
    table,
    '',
    ...tables,
  ];
}

export function renderGridReport(input: GridReportInput): string {
  const preflights = preflightByCell(input.summaries.filter((summary) => summary.policy === input.primary));
  const byPolicy = (id: string) => input.summaries.filter((summary) => summary.policy === id);
  const targets = new Map(input.policies.map((policy) => [policy.id, evaluateTargets(byPolicy(policy.id), { planMinutes: input.planMinutes, firstWeight: input.firstWeight, preflightByCell: preflights })]));
  const scenarios = [...new Set(input.summaries.map((summary) => summary.scenario))];
  const listed = new Set(input.policies.map((policy) => policy.id));
  const cells = sortCells([...new Map(input.summaries.map((summary) => [cellId(summary), summary])).values()]);
  const trafficAxis = [...new Set(cells.map((cell) => cell.requestsPerMinute))];
  const rateAxis = [...new Set(cells.map((cell) => cell.errorRate))].sort((a, b) => a - b);

  const feasibleOf = (summary: CellSummary) => preflights.get(cellId(summary))?.mode === 'judged';
  const worst = (values: number[], pick: 'max' | 'min') => (values.length === 0 ? undefined : pick === 'max' ? Math.max(...values) : Math.min(...values));
  const summaryRows = input.policies.map((policy) => {
    const own = byPolicy(policy.id);
    const family = (name: ScenarioFamily) => own.filter((summary) => scenarioFamily(summary.scenario) === name && feasibleOf(summary));
    const met = targets.get(policy.id)!.filter((result) => result.verdict === 'MET').length;
    const judged = targets.get(policy.id)!.filter((result) => result.verdict === 'MET' || result.verdict === 'NOT MET').length;
    const healthyTimes = family('healthy').flatMap((summary) => (summary.minutesToFull === undefined || summary.scenario !== 'healthy' ? [] : [summary.minutesToFull / trafficMinimum(summary, preflights, input.planMinutes)]));
    const exposures = family('bad').flatMap((summary) => (summary.wald === undefined || summary.requestsPerMinute < 1000 ? [] : [summary.exposure / summary.wald]));
    const subtle = own.find((summary) => summary.scenario === 'subtle' && summary.requestsPerMinute === 1000 && summary.errorRate === 0.005);
    const pct = (value: number | undefined) => (value === undefined ? '–' : percent(value));
    return [
      policy.id,
      pct(worst(own.filter((summary) => scenarioFamily(summary.scenario) === 'healthy').map((summary) => summary.rolledBack), 'max')),
      pct(worst(family('healthy').map((summary) => summary.neededPerson), 'max')),
      pct(worst(family('bad').map((summary) => summary.caught), 'min')),
      exposures.length === 0 ? '–' : `${Math.max(...exposures).toFixed(2)}×`,
      subtle === undefined ? '–' : percent(subtle.caught),
      pct(worst(family('catastrophic').map((summary) => summary.firstEvaluation), 'min')),
      healthyTimes.length === 0 ? '–' : `${Math.max(...healthyTimes).toFixed(2)}×`,
      `${met} of ${judged}`,
    ];
  });
  const summaryTable = markdownTable(
    [
      'policy',
      'worst false rollbacks',
      'worst healthy needing a person*',
      'worst bad caught*',
      'worst bad exposure ÷ Wald* (≥1k rpm)',
      'subtle caught at 1k / 0.5%',
      'worst catastrophic at first evaluation*',
      'worst healthy time ÷ traffic-aware min*',
      'targets met',
    ],
    summaryRows,
  );
  const preflightMatrix = markdownTable(
    ['traffic \\ stable error rate', ...rateAxis.map((rate) => percent(rate))],
    trafficAxis.map((rpm) => [
      `${rpmText(rpm)} rpm`,
      ...rateAxis.map((rate) => {
        const brief = preflights.get(`${rpm}:${rate}`);
        if (brief === undefined) return '–';
        return brief.mode === 'judged' ? `judged, ${num(brief.expectedMinutesToFull, 0)}–${num(brief.slowMinutesToFull, 0)} min, ${num(brief.detectableRatio, 1)}×` : `${brief.mode}`;
      }),
    ]),
  );
  const preflightTable = markdownTable(
    ['cell', 'mode', 'feasible', 'traffic-aware min', 'expected min to 100%', 'slow (99%) min', 'detectable ratio', 'requests to rule out', 'warnings'],
    cells.map((cell) => {
      const brief = preflights.get(cellId(cell));
      return brief === undefined
        ? [cellLabel(cell), '–', '–', '–', '–', '–', '–', '–', '–']
        : [
            cellLabel(cell),
            brief.mode,
            brief.feasible ? 'yes' : 'no',
            num(brief.limitMinutesToFull, 1),
            num(brief.expectedMinutesToFull, 1),
            num(brief.slowMinutesToFull, 1),
            num(brief.detectableRatio, 1),
            num(brief.requestsToRuleOut),
            brief.warnings.length === 0 ? '–' : brief.warnings.join(', '),
          ];
    }),
  );

  const sections = scenarios.filter((scenario) => input.summaries.some((summary) => summary.scenario === scenario && listed.has(summary.policy))).map((scenario) => {
    const rows = sortCells(input.summaries.filter((summary) => summary.scenario === scenario && listed.has(summary.policy))).sort(
      (a, b) =>
        a.requestsPerMinute - b.requestsPerMinute ||
        a.errorRate - b.errorRate ||
        input.policies.findIndex((policy) => policy.id === a.policy) - input.policies.findIndex((policy) => policy.id === b.policy),
    );
    const family = scenarioFamily(scenario);
    const table = family === 'healthy' ? healthyTable(rows, input.planMinutes, preflights) : badTable(rows, family === 'catastrophic', input.firstWeight);
    return [`### ${scenario}`, '', table, ''].join('\n');
  });

  const others = input.policies.filter((policy) => policy.id !== input.primary);
  const syntheticRows = input.synthetic === undefined ? [] : byPolicy(input.synthetic.id);
  return [
    '# Detection grid',
    '',
    ...(input.header ?? []),
    `${input.runsPerCell} seeded runs per cell, scenario and policy, seeds \`grid-<scenario>-<index>\`, the same for every policy and cell. Plan: minimum ${input.planMinutes} min to 100%.`,
    '',
    ...input.policies.map((policy) => `- **${policy.id}**: ${policy.label}`),
    ...(input.synthetic === undefined ? [] : [`- **${input.synthetic.id}**: ${input.synthetic.label}`]),
    '',
    '## Summary',
    '',
    summaryTable,
    '',
    `\\* over feasible cells (the ${input.primary} policy's pre-flight says 'judged'); false rollbacks over every cell. Exposure: mean new-version requests before rollback or 100%, uncaught runs counting all of theirs, ÷ Wald's expected sample number (α ${percent(WALD_ALPHA)}, β ${percent(WALD_BETA)}, p1 the scenario's new-version error rate). "At first evaluation": rolled back after the first minute in which the gate saw at least one new-version request (decision minute ≤ that minute's end).`,
    '',
    `Pre-flight by cell (mode, expected–slow minutes to 100%, smallest detectable error-rate ratio):`,
    '',
    preflightMatrix,
    '',
    `## Targets (${input.primary})`,
    '',
    targetsTable(targets.get(input.primary)!),
    '',
    ...(others.length === 0
      ? []
      : [
          '### The same targets for the other policies (feasibility from the default pre-flight)',
          '',
          markdownTable(
            ['target', ...others.map((policy) => policy.id)],
            targets.get(input.primary)!.map((row, index) => [row.target, ...others.map((policy) => {
              const result = targets.get(policy.id)![index]!;
              return result.verdict === 'NOT MET' ? `NOT MET (${result.cells.length})` : result.verdict;
            })]),
          ),
          '',
        ]),
    ...(syntheticRows.length === 0 ? [] : syntheticSection(input.synthetic!.id, syntheticRows, input.planMinutes, preflights, input.firstWeight)),
    '## Pre-flight by cell',
    '',
    preflightTable,
    '',
    '## By scenario',
    '',
    'Healthy: false rollbacks are runs rolled back at any time, verification included. Needed a person: paused, or undecided at the safety stop. Minutes to 100% over the runs that reached it.',
    "Bad: requests to detection over the runs caught before 100%; exposure over all runs. First minute: the new version's requests in one minute of the first step, the least a gate judging one-minute periods serves before it can act (Wald's limit counts single requests).",
    '',
    ...sections,
    ...(input.seconds === undefined ? [] : [`Ran in ${input.seconds.toFixed(1)} s on this machine.`, '']),
  ].join('\n');
}
