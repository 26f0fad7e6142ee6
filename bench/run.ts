/** `npm run bench`: runs every benchmark, prints its table and writes it under bench/results/. */
import { runDetectionBenchmark } from './detection.js';
import { publish } from './report.js';

const benchmarks: { name: string; file: string; run: () => string }[] = [{ name: 'detection', file: 'detection.md', run: runDetectionBenchmark }];

for (const benchmark of benchmarks) {
  process.stdout.write(`\n== ${benchmark.name} ==\n`);
  publish(benchmark.file, benchmark.run());
}
