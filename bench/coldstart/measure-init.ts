/** Module initialisation time of a bundle, in fresh Node processes. */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** Imports the bundle (its handler is built at import), checks the handler, prints the time. */
const PROBE = `
const started = performance.now();
const mod = await import(process.argv[1]);
const ms = performance.now() - started;
if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify({ ms }));
`;

const ADMIN_TOKEN = `rg_${'benchbootstrap00'}_${'A'.repeat(43)}`;

/**
 * The environment a deployed function starts with, minus the secret: RELEASE_GATE_ADMIN_TOKEN
 * replaces ADMIN_TOKEN_SECRET_ARN so that initialisation makes no network call. Nothing is
 * inherited from this process (no NODE_OPTIONS from tsx).
 */
export const PROBE_ENV: Readonly<Record<string, string>> = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  RELEASES_TABLE: 'bench-releases',
  IDEMPOTENCY_TABLE: 'bench-idempotency',
  TOKENS_TABLE: 'bench-tokens',
  FLAGS_TABLE: 'bench-flags',
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
  EVALUATION_INTERVAL_SECONDS: '60',
  RELEASE_GATE_ADMIN_TOKEN: ADMIN_TOKEN,
  POWERTOOLS_LOG_LEVEL: 'INFO',
  NODE_OPTIONS: '--enable-source-maps',
};

/** One fresh process: milliseconds from `import()` to a module with its handler built. */
export function measureInitOnce(file: string, options: { sourceMaps?: boolean } = {}): number {
  const { NODE_OPTIONS, ...withoutSourceMaps } = PROBE_ENV;
  const env = (options.sourceMaps ?? true) ? { ...withoutSourceMaps, NODE_OPTIONS: NODE_OPTIONS! } : withoutSourceMaps;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, pathToFileURL(file).href], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`init probe failed for ${file} (exit ${result.status}): ${result.stderr.slice(-2000)}`);
  return (JSON.parse(result.stdout) as { ms: number }).ms;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
