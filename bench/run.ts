/** `npm run bench`: runs every benchmark, prints its table and writes it under bench/results/. */
import { runApiBenchmark } from './api.js';
import { runColdstartBenchmark } from './coldstart.js';
import { runDetectionGridBenchmark } from './detection-grid.js';
import { runDetectionBenchmark } from './detection.js';
import { runEvaluatorBenchmark } from './evaluator.js';
import { runFlagsBenchmark } from './flags.js';
import { publish } from './report.js';

const benchmarks: { name: string; file: string; run: () => string | Promise<string> }[] = [
  { name: 'detection', file: 'detection.md', run: runDetectionBenchmark },
  { name: 'detection-grid', file: 'detection-grid.md', run: runDetectionGridBenchmark },
  { name: 'evaluator', file: 'evaluator.md', run: runEvaluatorBenchmark },
  { name: 'api', file: 'api.md', run: runApiBenchmark },
  { name: 'flags', file: 'flags.md', run: runFlagsBenchmark },
  { name: 'coldstart', file: 'coldstart.md', run: runColdstartBenchmark },
];

const only = process.argv.slice(2);
for (const benchmark of benchmarks.filter((entry) => only.length === 0 || only.includes(entry.name))) {
  process.stdout.write(`\n== ${benchmark.name} ==\n`);
  publish(benchmark.file, await benchmark.run());
}
