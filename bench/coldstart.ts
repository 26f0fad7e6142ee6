/**
 * Cold start: the gate API and evaluator bundles, built with the construct's esbuild options
 * (cdk/bundling.ts), with the AWS SDK bundled (as deployed) and external (as the Lambda runtime
 * would provide it), against a bare Hono-on-Lambda bundle built the same way in the same run.
 * Sizes of the minified bundles, and module initialisation time: the median over fresh Node
 * processes of `await import(bundle)` with its handler built. Writes bench/results/coldstart.md
 * when run alone (`npx tsx bench/coldstart.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable } from '../lib/cli/table.js';
import { BARE, buildBundles, bytesMatching, largestInputs, type BuiltBundle } from './coldstart/build-bundles.js';
import { measureInitOnce, median } from './coldstart/measure-init.js';
import { publish } from './report.js';

const RUNS = Number(process.env.COLDSTART_RUNS ?? 20);
/** The target: initialisation at most twice the bare bundle's. */
const TARGET_RATIO = 2;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Round-robin over the bundles, so a busy moment on the machine hits them all alike; round 0 warms the file cache. */
function measureAll(bundles: readonly BuiltBundle[]): Map<BuiltBundle, number[]> {
  const samples = new Map(bundles.map((bundle) => [bundle, [] as number[]]));
  for (let round = 0; round <= RUNS; round++) {
    for (const bundle of bundles) {
      const value = measureInitOnce(bundle.file, { sourceMaps: bundle.sourceMaps ?? true });
      if (round > 0) samples.get(bundle)!.push(value);
    }
  }
  return samples;
}

export async function runColdstartBenchmark(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'release-gate-coldstart-'));
  const load = loadavg()[0]!.toFixed(1);
  try {
    const bundles = await buildBundles(dir);
    const samples = measureAll(bundles);
    const bare = bundles.find((bundle) => bundle.name === BARE)!;
    const bareMedian = median(samples.get(bare)!);
    const rows = bundles.map((bundle) => {
      const values = samples.get(bundle)!;
      const init = median(values);
      const ratio = init / bareMedian;
      const verdict = bundle === bare ? '—' : ratio <= TARGET_RATIO ? 'met' : 'NOT MET';
      return [bundle.name, kib(bundle.bytes), kib(bundle.gzipBytes), ms(init), ms(Math.min(...values)), ms(Math.max(...values)), `${ratio.toFixed(2)}×`, verdict];
    });
    const deployedApi = bundles.find((bundle) => bundle.entry === 'functions/gate-api.ts' && bundle.bundleAwsSdk)!;
    const inputs = largestInputs(deployedApi, 10).map((input) => [input.source, kib(input.bytes), `${((100 * input.bytes) / deployedApi.bytes).toFixed(1)}%`]);
    const locales = bytesMatching(deployedApi, /node_modules\/zod\/.*\/locales\//);
    return [
      '# Cold start',
      '',
      `Bundles built with esbuild and the construct's options (cdk/bundling.ts: ESM, createRequire banner, minified, platform node, target node22, source map). Initialisation: median of ${RUNS} fresh \`node\` processes per bundle (round-robin, after one warm-up round), each timing \`await import(bundle)\` with the handler built at import. Node ${process.version}, ${availableParallelism()} CPUs, load average ${load} at the start: absolute times move with the machine's load, the ratios to the bare bundle much less.`,
      '',
      'The gate API awaits a Secrets Manager read at import when ADMIN_TOKEN_SECRET_ARN is set; here RELEASE_GATE_ADMIN_TOKEN holds a syntactically valid `rg_<16>_<43>` token instead, so no network call happens at init (the table names, region and topic ARN are set as in the stack, and NODE_OPTIONS=--enable-source-maps as the stack sets it; the last row leaves it out). In Lambda that read adds one Secrets Manager round trip to the API\'s cold start. The external-SDK bundles load `@aws-sdk/*` from this repository\'s node_modules, where Lambda would load the runtime\'s copy.',
      '',
      markdownTable(['bundle', 'minified', 'gzip', 'init (median)', 'min', 'max', 'vs bare', `target ≤ ${TARGET_RATIO}×`], rows),
      '',
      `Largest contributors to the deployed API bundle (${kib(deployedApi.bytes)}):`,
      '',
      markdownTable(['package or folder', 'bytes in bundle', 'share'], inputs),
      '',
      `Of zod's share, ${kib(locales)} are its error-message locales (every language), which \`import { z } from 'zod'\` keeps in the bundle.`,
      '',
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  publish('coldstart.md', await runColdstartBenchmark());
}
