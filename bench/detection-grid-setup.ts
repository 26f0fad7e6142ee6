/**
 * The detection grid's axes and policies, shared by the benchmark's main thread and its workers:
 * traffic × stable error rate × scenario × policy, and the environment filters that shrink it.
 */
import { minimumTimeToFullMs } from '../lib/core/plan.js';
import { DEFAULT_POLICY, type Policy } from '../lib/core/policy.js';
import { preflight } from '../lib/core/preflight.js';
import { DEFAULT_PRESET } from '../lib/core/presets.js';
import { resolvePlan } from '../lib/core/resolve-plan.js';
import { alarmGate, coreGate, mannWhitneyGate, thresholdGate, type GateFactory } from '../lib/core/simulator/gates.js';
import { nominalTraffic } from '../lib/core/simulator/run.js';
import { isScenarioName, scenarioWorld, SCENARIOS, type ScenarioName } from '../lib/core/simulator/scenarios.js';

export const GRID_TRAFFIC = [10, 30, 100, 300, 1_000, 3_000, 10_000, 100_000] as const;
export const GRID_ERROR_RATES = [0.0005, 0.001, 0.005, 0.02, 0.05] as const;
/** A run stops here (8 hours of simulated time: past a 4h step hold and verification) and ends `timed_out` if the gate is still undecided. */
export const GRID_MAX_MINUTES = 8 * 60;

export const gridPlan = resolvePlan(DEFAULT_PRESET, 'normal');
export const gridPlanMinutes = minimumTimeToFullMs(gridPlan) / 60_000;
/** The plan's first weight, before the pre-flight raises it at low traffic. */
export const gridFirstWeight = gridPlan.steps.find((step) => step.type === 'traffic')?.weight ?? 0;

export type GridPolicyId = 'default' | 'codedeploy' | 'argo' | 'kayenta' | 'default-probes';

export interface GridPolicy {
  readonly id: GridPolicyId;
  readonly label: string;
  readonly gate: GateFactory;
}

export const GRID_POLICIES: readonly GridPolicy[] = [
  {
    id: 'default',
    label: 'Release Gate default policy, verified through the 30m window after 100%, with its pre-flight',
    gate: coreGate(DEFAULT_POLICY, { verify: true }),
  },
  {
    // bench/results/detection.md, row "(b) tuned": the alarm on the new version alone, tuned there
    // (1,000 rpm, 0.5%, 400 tuning seeds) to ≤1% false rollbacks with the least exposure on bad.
    id: 'codedeploy',
    label: 'CodeDeploy-style CloudWatch alarm on the new version alone, >1.5% in 4 of 5 minutes (tuned in bench/results/detection.md, "(b) tuned")',
    gate: alarmGate({ scope: 'canary', threshold: 0.015, datapoints: 4, evaluationPeriods: 5 }),
  },
  {
    // bench/results/detection.md, row "(c) tuned".
    id: 'argo',
    label: 'Argo/Flagger-style threshold every minute, >2%, failureLimit 3 (tuned in bench/results/detection.md, "(c) tuned")',
    gate: thresholdGate({ threshold: 0.02, failureLimit: 3 }),
  },
  {
    // bench/results/detection.md, row "(d)".
    id: 'kayenta',
    label: 'Kayenta-style Mann-Whitney U of per-minute error rates at each step end, 98% confidence',
    gate: mannWhitneyGate({ confidence: 0.98 }),
  },
];

/** Paired probes per tick in the synthetic runs: the release schema's default. */
export const GRID_PROBE_PAIRS = 10;
const SYNTHETIC_POLICY: Policy = { ...DEFAULT_POLICY, evidence: { ...DEFAULT_POLICY.evidence, onInfeasible: 'synthetic' } };

/** The default policy where its pre-flight refuses: judged on paired probes instead. Run on the infeasible cells only. */
export const SYNTHETIC_GRID_POLICY: GridPolicy = {
  id: 'default-probes',
  label: `The default policy with onInfeasible: synthetic, the release sending ${GRID_PROBE_PAIRS} paired probes a minute; run on the cells the default pre-flight refuses`,
  gate: coreGate(SYNTHETIC_POLICY, { verify: true, probes: { pairsPerTick: GRID_PROBE_PAIRS } }),
};

export function gridPolicy(id: GridPolicyId): GridPolicy {
  const policy = [...GRID_POLICIES, SYNTHETIC_GRID_POLICY].find((candidate) => candidate.id === id);
  if (policy === undefined) throw new Error(`unknown grid policy ${id}`);
  return policy;
}

export interface GridCell {
  readonly requestsPerMinute: number;
  readonly errorRate: number;
}

/** One unit of work: every seed of one cell, scenario and policy. */
export interface GridTask {
  readonly id: number;
  readonly cell: GridCell;
  readonly scenario: ScenarioName;
  readonly policy: GridPolicyId;
  readonly runs: number;
}

/** `GRID_CELLS=1000:0.005,100:0.005` keeps those cells; unset keeps the whole grid. */
export function parseCells(text: string | undefined): GridCell[] {
  const all = GRID_TRAFFIC.flatMap((requestsPerMinute) => GRID_ERROR_RATES.map((errorRate) => ({ requestsPerMinute, errorRate })));
  if (text === undefined || text.trim() === '') return all;
  return text.split(',').map((entry) => {
    const [rpm, rate] = entry.trim().split(':');
    const cell = { requestsPerMinute: Number(rpm), errorRate: Number(rate) };
    if (!(cell.requestsPerMinute > 0) || !(cell.errorRate > 0 && cell.errorRate < 1)) throw new Error(`GRID_CELLS: '${entry}' is not rpm:rate such as 1000:0.005`);
    return cell;
  });
}

/** `GRID_SCENARIOS=healthy,bad` keeps those scenarios; unset keeps all of SCENARIOS. */
export function parseScenarios(text: string | undefined): ScenarioName[] {
  if (text === undefined || text.trim() === '') return [...SCENARIOS];
  return text.split(',').map((name) => {
    const trimmed = name.trim();
    if (!isScenarioName(trimmed)) throw new Error(`GRID_SCENARIOS: unknown scenario '${trimmed}' (one of ${SCENARIOS.join(', ')})`);
    return trimmed;
  });
}

/** Whether the default policy's pre-flight refuses the grid's plan at this cell's traffic. */
export function refusedByDefault(cell: GridCell): boolean {
  const world = scenarioWorld('healthy', { requestsPerMinute: cell.requestsPerMinute, baselineErrorRate: cell.errorRate });
  return preflight(gridPlan, DEFAULT_POLICY, 'normal', nominalTraffic(world)).report.mode === 'refused';
}

export function gridTasks(cells: readonly GridCell[], scenarios: readonly ScenarioName[], runs: number): GridTask[] {
  let id = 0;
  return cells.flatMap((cell) => {
    const policies = refusedByDefault(cell) ? [...GRID_POLICIES, SYNTHETIC_GRID_POLICY] : GRID_POLICIES;
    return scenarios.flatMap((scenario) => policies.map((policy) => ({ id: id++, cell, scenario, policy: policy.id, runs })));
  });
}
