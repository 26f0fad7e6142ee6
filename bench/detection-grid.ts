/**
 * `npm run bench -- detection-grid`: every policy on the same seeds across traffic × stable error
 * rate × scenario, run on worker threads. Writes bench/results/detection-grid.md.
 *
 * GRID_RUNS (default 1000) seeds per cell; GRID_CELLS=1000:0.005,100:0.005 and
 * GRID_SCENARIOS=healthy,bad shrink the grid; GRID_WORKERS overrides the worker count.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { percent } from '../lib/core/format.js';
import { DEFAULT_PRESET } from '../lib/core/presets.js';
import { renderGridReport, rpmText, type CellSummary } from './detection-grid-report.js';
import { GRID_MAX_MINUTES, GRID_POLICIES, SYNTHETIC_GRID_POLICY, gridFirstWeight, gridPlanMinutes, gridTasks, parseCells, parseScenarios, type GridTask } from './detection-grid-setup.js';
import { runTask, type WorkerMessage } from './detection-grid-worker.js';
import { publish } from './report.js';

/** Worker time by policy and by scenario, to stderr: where a longer run will spend its time. */
function reportTaskTimes(tasks: readonly GridTask[], taskMs: ReadonlyMap<number, number>, seconds: number): void {
  const total = (key: (task: GridTask) => string) => {
    const sums = new Map<string, number>();
    for (const task of tasks) sums.set(key(task), (sums.get(key(task)) ?? 0) + (taskMs.get(task.id) ?? 0));
    return [...sums].sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(', ');
  };
  const all = [...taskMs.values()].reduce((sum, ms) => sum + ms, 0) / 1000;
  process.stderr.write(`detection-grid: ${seconds.toFixed(1)} s wall, ${all.toFixed(1)} s of worker time\n`);
  process.stderr.write(`  by policy: ${total((task) => task.policy)}\n`);
  process.stderr.write(`  by scenario: ${total((task) => task.scenario)}\n`);
  process.stderr.write(`  by traffic: ${total((task) => `${rpmText(task.cell.requestsPerMinute)} rpm`)}\n`);
}

function runInline(tasks: readonly GridTask[]): { summaries: CellSummary[]; taskMs: Map<number, number> } {
  const summaries: CellSummary[] = [];
  const taskMs = new Map<number, number>();
  const started = performance.now();
  let lastPrint = 0;
  for (const task of tasks) {
    const taskStarted = performance.now();
    summaries.push(runTask(task));
    taskMs.set(task.id, performance.now() - taskStarted);
    if (performance.now() - lastPrint > 10_000) {
      lastPrint = performance.now();
      process.stderr.write(`detection-grid: ${summaries.length}/${tasks.length} tasks, ${((lastPrint - started) / 1000).toFixed(0)} s elapsed\n`);
    }
  }
  return { summaries, taskMs };
}

function runOnWorkers(tasks: readonly GridTask[], workers: number): Promise<{ summaries: CellSummary[]; taskMs: Map<number, number> }> {
  const started = performance.now();
  const summaries: CellSummary[] = [];
  const taskMs = new Map<number, number>();
  const queue = [...tasks];
  let done = 0;
  let lastPrint = 0;
  const progress = (force = false) => {
    const now = performance.now();
    if (!force && now - lastPrint < 10_000) return;
    lastPrint = now;
    const elapsed = (now - started) / 1000;
    const eta = done === 0 ? '?' : ((elapsed / done) * (tasks.length - done)).toFixed(0);
    process.stderr.write(`detection-grid: ${done}/${tasks.length} tasks, ${elapsed.toFixed(0)} s elapsed, about ${eta} s left\n`);
  };
  return new Promise((resolve, reject) => {
    let live = 0;
    const start = () => {
      // tsx's loader is registered in each worker so that it can import the TypeScript sources.
      const worker = new Worker(new URL('./detection-grid-worker.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
      live += 1;
      const next = () => {
        const task = queue.shift();
        if (task === undefined) {
          void worker.terminate();
          return;
        }
        worker.postMessage(task);
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'failed') {
          reject(new Error(`task ${message.id} failed in a worker: ${message.error}`));
          return;
        }
        summaries.push(message.summary);
        taskMs.set(message.id, message.ms);
        done += 1;
        progress(done === tasks.length);
        next();
      });
      worker.on('error', reject);
      worker.on('exit', () => {
        live -= 1;
        if (live === 0) {
          if (done === tasks.length) resolve({ summaries, taskMs });
          else reject(new Error(`workers exited with ${tasks.length - done} tasks left`));
        }
      });
      next();
    };
    for (let index = 0; index < Math.max(1, Math.min(workers, tasks.length)); index += 1) start();
  });
}

export async function runDetectionGridBenchmark(): Promise<string> {
  const started = performance.now();
  const runs = Number(process.env.GRID_RUNS ?? 1000);
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`GRID_RUNS must be a positive integer, not ${process.env.GRID_RUNS}`);
  const cells = parseCells(process.env.GRID_CELLS);
  const scenarios = parseScenarios(process.env.GRID_SCENARIOS);
  const workers = Number(process.env.GRID_WORKERS ?? availableParallelism());
  // The slow tasks first (busy cells, healthy scenarios that run through verification), so the queue ends on short ones.
  const tasks = gridTasks(cells, scenarios, runs).sort((a, b) => Number(b.scenario.startsWith('healthy')) - Number(a.scenario.startsWith('healthy')) || b.cell.requestsPerMinute - a.cell.requestsPerMinute);
  process.stderr.write(`detection-grid: ${cells.length} cells × ${scenarios.length} scenarios × ${GRID_POLICIES.length} policies × ${runs} seeds, and ${SYNTHETIC_GRID_POLICY.id} on the refused cells: ${tasks.length} tasks on ${workers} workers\n`);
  // GRID_WORKERS=1 runs every task in this thread, without worker threads.
  const { summaries, taskMs } = workers <= 1 ? runInline(tasks) : await runOnWorkers(tasks, workers);
  const seconds = (performance.now() - started) / 1000;
  reportTaskTimes(tasks, taskMs, seconds);
  return renderGridReport({
    summaries,
    policies: GRID_POLICIES,
    primary: 'default',
    synthetic: SYNTHETIC_GRID_POLICY,
    planMinutes: gridPlanMinutes,
    firstWeight: gridFirstWeight,
    runsPerCell: runs,
    seconds,
    header: [
      `Traffic ${[...new Set(cells.map((cell) => cell.requestsPerMinute))].map(rpmText).join(', ')} requests/min × stable error rate ${[...new Set(cells.map((cell) => cell.errorRate))].map((rate) => percent(rate)).join(', ')}; scenarios ${scenarios.join(', ')}.`,
      `Plan ${DEFAULT_PRESET} (normal risk); the world of bench/detection.ts (lognormal latency, shared noise with bursts, cold starts). Each run stops at ${GRID_MAX_MINUTES / 60} hours of simulated time (then \`timed_out\`).`,
      '',
    ],
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  publish('detection-grid.md', await runDetectionGridBenchmark());
}
