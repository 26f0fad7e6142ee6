/**
 * Evaluator scaling: one tick over 10, 100 and 500 active releases, every AWS call taking at least
 * 20 ms. DynamoDB is DynamoDB Local (real conditional writes) behind a 20 ms floor; Lambda and
 * CloudWatch are mocked at 20 ms. Every release is at the end of its step, so each one advances:
 * the busiest tick there is. Writes bench/results/evaluator.md.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { createTables } from '../lib/aws/create-tables.js';
import { DynamoReleaseStore } from '../lib/aws/dynamo-release-store.js';
import { TABLE_NAMES, type TableName } from '../lib/aws/table-schemas.js';
import { markdownTable } from '../lib/cli/table.js';
import { applyEvent } from '../lib/core/reducer.js';
import { createRelease, type Release } from '../lib/core/release.js';
import { resolvePlan } from '../lib/core/resolve-plan.js';
import { DEFAULT_POLICY } from '../lib/core/policy.js';
import { DEFAULT_ENGINE_CONFIG, silentLogger, type EngineDeps } from '../lib/engine/deps.js';
import { tickDue } from '../lib/engine/tick-due.js';
import { localDynamoClient, startDynamoDbLocal } from '../lib/sandbox/dynamodb-local.js';
import { MockedAws } from '../test/support/mocked-aws.js';
import { publish } from './report.js';

const CALL_MS = 20;
const SIZES = [10, 100, 500];
const MINUTE = 60_000;
const QUERIES_PER_RELEASE = 12;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts DynamoDB calls and holds each to at least CALL_MS, as a remote table would. */
function slowAndCounted(client: DynamoDBClient): { calls: () => number } {
  let calls = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      calls += 1;
      const started = performance.now();
      const result = await next(args);
      const left = CALL_MS - (performance.now() - started);
      if (left > 0) await sleep(left);
      return result;
    },
    { step: 'initialize', name: 'benchLatency' },
  );
  return { calls: () => calls };
}

/** Mocked Lambda and CloudWatch answer after CALL_MS, on the wall clock. */
function slowAws(aws: MockedAws): void {
  const wrap = (client: { send: (...args: never[]) => Promise<unknown> }) => {
    const original = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as { send: unknown }).send = async (...args: unknown[]) => {
      await sleep(CALL_MS);
      return original(...args);
    };
  };
  wrap(aws.lambda);
  wrap(aws.cloudwatch);
}

async function measure(size: number, endpoint: string) {
  const client = localDynamoClient(endpoint);
  const prefix = `bench${size}${Date.now().toString(36)}`;
  const tables = Object.fromEntries(TABLE_NAMES.map((name) => [name, `${prefix}-${name}`])) as Record<TableName, string>;
  await createTables(client, tables);
  const store = new DynamoReleaseStore(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), tables.releases);

  let now = Date.parse('2030-01-07T10:00:00Z');
  const clock = { now: () => now, sleep };
  const aws = new MockedAws(clock);
  const plan = resolvePlan(undefined, 'normal');
  for (let index = 0; index < size; index += 1) {
    const name = `fn-${index}`;
    aws.setAlias(name, 'live', '1', { '2': 0.01 });
    let release: Release = createRelease({ id: `rel-${index}`, function: name, alias: 'live', version: '2', stableVersion: '1', risk: 'normal', plan, policy: DEFAULT_POLICY, createdAt: new Date(now).toISOString() });
    const created = { type: 'created' as const, at: release.createdAt, release };
    release = applyEvent(release, created);
    const saved = await store.create({ ...release, nextEvaluationAt: release.createdAt }, created);
    const started = applyEvent(saved, { type: 'started', at: saved.createdAt, weight: 1 });
    const confirmed = applyEvent(started, { type: 'routing_confirmed', at: saved.createdAt, weight: 1, durationMs: 1, attempts: 1 });
    await store.commit(confirmed, [{ type: 'started', at: saved.createdAt, weight: 1 }, { type: 'routing_confirmed', at: saved.createdAt, weight: 1, durationMs: 1, attempts: 1 }], saved.revision);
  }
  // Every release's 5-minute step is over: this tick advances all of them to 10%.
  now += 6 * MINUTE;
  const dynamoCalls = slowAndCounted(client);
  slowAws(aws);
  const deps: EngineDeps = {
    store,
    router: aws.router,
    metrics: aws.metrics,
    notifier: { notify: () => Promise.resolve() },
    clock,
    logger: silentLogger,
    newId: () => 'unused',
    config: DEFAULT_ENGINE_CONFIG,
  };
  aws.lambdaMock.resetHistory();
  aws.cloudwatchMock.resetHistory();
  const started = performance.now();
  const result = await tickDue(deps);
  const wallMs = performance.now() - started;
  const advanced = result.outcomes.filter((outcome) => outcome.status === 'decided' && outcome.decision.action === 'advance').length;
  client.destroy();
  return {
    size,
    advanced,
    getMetricData: aws.cloudwatchMock.commandCalls(GetMetricDataCommand).length,
    getMetricDataLimit: Math.ceil((size * QUERIES_PER_RELEASE) / 500),
    updateAlias: aws.lambdaMock.commandCalls(UpdateAliasCommand).length,
    dynamoPerRelease: dynamoCalls.calls() / size,
    wallMs,
  };
}

export async function runEvaluatorBenchmark(): Promise<string> {
  const local = await startDynamoDbLocal();
  try {
    const rows = [];
    for (const size of SIZES) rows.push(await measure(size, local.endpoint));
    const base = rows[0]!;
    const table = markdownTable(
      ['active releases', 'advanced', 'GetMetricData calls', 'limit ceil(queries/500)', 'UpdateAlias calls', 'DynamoDB calls per release', 'wall time', `vs ${base.size}`],
      rows.map((row) => [
        String(row.size),
        String(row.advanced),
        String(row.getMetricData),
        `${row.getMetricDataLimit} ${row.getMetricData <= row.getMetricDataLimit ? '(met)' : '(NOT MET)'}`,
        String(row.updateAlias),
        row.dynamoPerRelease.toFixed(2),
        `${(row.wallMs / 1000).toFixed(2)} s`,
        `${(row.wallMs / base.wallMs).toFixed(1)}×`,
      ]),
    );
    return [
      '# Evaluator scaling',
      '',
      `One tickDue over N active releases, each at the end of its step so that it advances (the busiest tick). Every AWS call takes at least ${CALL_MS} ms: DynamoDB Local behind a ${CALL_MS} ms floor, Lambda and CloudWatch mocked. ${DEFAULT_ENGINE_CONFIG.tickConcurrency} releases are ticked at once; each has ${QUERIES_PER_RELEASE} metric queries.`,
      '',
      'Per release: one GetItem, one GetAlias, an UpdateAlias and its read-back, and two conditional transactions (the decision, then the confirmed shift); the due index is eight parallel queries per tick.',
      '',
      table,
      '',
      `Wall time for ${rows.at(-1)!.size} releases is ${(rows.at(-1)!.wallMs / base.wallMs).toFixed(1)}× that for ${base.size}: ${(rows.at(-1)!.size / base.size).toFixed(0)}× the releases at a bounded concurrency of ${DEFAULT_ENGINE_CONFIG.tickConcurrency}.`,
      '',
    ].join('\n');
  } finally {
    await local.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  publish('evaluator.md', await runEvaluatorBenchmark());
}
