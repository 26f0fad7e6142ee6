/**
 * `npm start`: the whole gate on this machine, with no AWS account. Ctrl-C stops everything,
 * DynamoDB Local's JVM included.
 */
import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { dashboard, DASHBOARD_PUBLIC_PATHS } from '../dashboard/index.js';
import { plural } from '../core/format.js';
import type { SandboxStateReport } from '../sandbox/state-dir.js';
import { consoleLogger } from './console-logger.js';
import { REPO_ROOT, startLocalWorld } from './world.js';

const HELP = `Usage: npm start [-- options]

Starts DynamoDB Local, the sandbox Lambda and CloudWatch endpoint, the gate API and dashboard,
the evaluator and a traffic generator, all on loopback.

  --port N          the gate API and dashboard (default: $PORT or 8787)
  --persist DIR     keep the world in DIR across restarts: DynamoDB's data, the sandbox's
                    aliases and recorded metrics (default: in memory)
  --period S        metric period in seconds, 1–60 (default: sandbox.config.json's)
  --traffic N       requests per second to each sandbox alias, 0 for none (default: 25)
  --sandbox FILE    the sandbox config (default: sandbox.config.json)
  --help            this text
`;

function number(text: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${flag} expects a whole number from ${min} to ${max}, got '${text}'`);
  return value;
}

/** What `--persist` brought back, and what it could not. */
function persistedLines(report: SandboxStateReport | undefined): string[] {
  if (report === undefined) return [];
  const near = relative(process.cwd(), report.dir);
  const where = near === '' || near.startsWith('..') ? report.dir : near;
  if (!report.found) return ['', `  persisted in   ${where} (first run there: the sandbox starts as sandbox.config.json says)`];
  const since = report.metricsSince === undefined ? 'no recorded metrics' : `${plural(report.metricPeriods, 'metric period')} since ${new Date(report.metricsSince).toISOString().slice(11, 19)} UTC`;
  return [
    '',
    `  restored from  ${where}: ${report.restored.length > 0 ? report.restored.join('; ') : 'no alias'}; ${since}`,
    ...report.notices.map((notice) => `  note: ${notice}`),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, persist: { type: 'string' }, period: { type: 'string' }, traffic: { type: 'string' }, sandbox: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const world = await startLocalWorld({
    port: number(values.port ?? process.env.PORT, '--port', 0, 65_535) ?? 8787,
    persistDir: values.persist,
    metricPeriodSeconds: number(values.period, '--period', 1, 60),
    trafficPerSecond: number(values.traffic, '--traffic', 0, 1_000) ?? 25,
    sandboxConfigPath: values.sandbox,
    logger: consoleLogger(),
    extensions: [dashboard()],
    publicPaths: DASHBOARD_PUBLIC_PATHS,
  });
  const url = world.url.replace('127.0.0.1', 'localhost');
  process.stdout.write(
    [
      '',
      'Release Gate is running locally.',
      '',
      `  dashboard      ${url}/`,
      `  gate API       ${url}   (OpenAPI: ${url}/openapi.json)`,
      `  admin token    ${world.adminToken}`,
      `                 also in ${relative(process.cwd(), `${REPO_ROOT}/.release-gate/local-token`) || '.release-gate/local-token'}`,
      `  sandbox        ${world.sandboxEndpoint}   (Lambda and CloudWatch APIs)`,
      `  DynamoDB Local ${world.dynamoEndpoint}`,
      ...persistedLines(world.restored),
      '',
      'Try it:  npm run demo          (a healthy release promoted, a failing one rolled back; run it as often as you like)',
      // Version 4 is never promoted by the gate, so this works whatever the demo left on the alias.
      '         npm run cli -- start --function checkout --version 4 --plan Canary10Percent5Minutes --wait',
      '                                (p99 three times higher: the gate rolls it back in about 4 minutes)',
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    void world.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
