/**
 * A worker of the detection grid: runs every seed of the tasks it is sent and posts back each
 * task's summary. Loaded under tsx by bench/detection-grid.ts.
 */
import { parentPort } from 'node:worker_threads';
import type { GateFactory } from '../lib/core/simulator/gates.js';
import { runOnce } from '../lib/core/simulator/run.js';
import { scenarioWorld } from '../lib/core/simulator/scenarios.js';
import { summarizeCell, type CellSummary, type GridRun } from './detection-grid-report.js';
import { GRID_MAX_MINUTES, gridPlan, gridPolicy, type GridTask } from './detection-grid-setup.js';

export type WorkerMessage = { readonly type: 'done'; readonly id: number; readonly summary: CellSummary; readonly ms: number } | { readonly type: 'failed'; readonly id: number; readonly error: string };

/** Wraps a gate so that the run records the first period in which the gate saw a new-version request. */
function recordingFirstCanary(factory: GateFactory, seen: { first?: number }): GateFactory {
  return (plan, context) => {
    const gate = factory(plan, context);
    return {
      ...gate,
      observe: (period, now) => {
        if (seen.first === undefined && period.canary.invocations > 0) seen.first = period.end / 60_000;
        gate.observe(period, now);
      },
    };
  };
}

export function runTask(task: GridTask): CellSummary {
  const world = scenarioWorld(task.scenario, { requestsPerMinute: task.cell.requestsPerMinute, baselineErrorRate: task.cell.errorRate });
  const policy = gridPolicy(task.policy);
  const runs: GridRun[] = [];
  for (let index = 0; index < task.runs; index += 1) {
    const seen: { first?: number } = {};
    const result = runOnce({ plan: gridPlan, world, gate: recordingFirstCanary(policy.gate, seen), seed: `grid-${task.scenario}-${index}`, maxMinutes: GRID_MAX_MINUTES });
    runs.push({ ...result, firstCanaryMinute: seen.first });
  }
  return summarizeCell({ requestsPerMinute: task.cell.requestsPerMinute, errorRate: task.cell.errorRate, scenario: task.scenario, policy: task.policy }, runs);
}

const port = parentPort;
if (port !== null) {
  port.on('message', (task: GridTask) => {
    const started = performance.now();
    if (process.env.GRID_TRACE !== undefined) process.stderr.write(`task ${task.id}: ${task.policy} ${task.cell.requestsPerMinute} rpm ${task.cell.errorRate} ${task.scenario}\n`);
    try {
      const summary = runTask(task);
      port.postMessage({ type: 'done', id: task.id, summary, ms: performance.now() - started } satisfies WorkerMessage);
    } catch (error) {
      port.postMessage({ type: 'failed', id: task.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerMessage);
    }
  });
}
