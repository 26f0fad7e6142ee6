import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
  InternalServiceFault,
  InvalidParameterValueException,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricsSource } from '../../lib/aws/cloudwatch-metrics-source.js';
import type { Observation } from '../../lib/core/metrics.js';
import { CheckSchema, type Check } from '../../lib/core/policy.js';
import type { MetricsRequest } from '../../lib/ports.js';
import { MINUTE, T0 } from '../core/fixtures.js';

const cloudwatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'eu-west-1' });
afterEach(() => cloudwatch.reset());

const ID = /^[a-z][a-zA-Z0-9_]*$/;

function request(overrides: Partial<MetricsRequest> = {}): MetricsRequest {
  return {
    key: 'rel-1',
    functionName: 'checkout',
    alias: 'live',
    canaryVersion: '2',
    baselineVersion: '1',
    from: T0,
    to: T0 + 5 * MINUTE,
    checks: [],
    ...overrides,
  };
}

const check = (input: unknown): Check => CheckSchema.parse(input);
const customMetricCheck = (name: string, dimensions: Record<string, string> = { Version: '${version}' }) =>
  check({ name, sli: { kind: 'custom', metric: { namespace: 'Checkout', metricName: 'QueueDepth', dimensions, stat: 'Maximum' } }, method: 'threshold', value: 10 });
const expressionCheck = (name: string, expression: string) => check({ name, sli: { kind: 'custom', expression }, method: 'threshold', value: 1 });

const inputs = () => cloudwatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
const queryIds = (input: GetMetricDataCommandInput | undefined) => (input?.MetricDataQueries ?? []).map((query) => query.Id ?? '');

type Series = Record<string, Record<number, number>>;

/**
 * A CloudWatch that answers each query id from `series` (id → minute → value), inside the call's
 * window, the way GetMetricData does: one result per id with ReturnData, Date timestamps.
 */
function answerFrom(series: Series, status: (id: string) => MetricDataResult['StatusCode'] = () => 'Complete') {
  return (input: GetMetricDataCommandInput): GetMetricDataCommandOutput => {
    const start = input.StartTime?.getTime() ?? 0;
    const end = input.EndTime?.getTime() ?? 0;
    const MetricDataResults = (input.MetricDataQueries ?? [])
      .filter((query) => query.ReturnData !== false)
      .map((query): MetricDataResult => {
        const points = Object.entries(series[query.Id ?? ''] ?? {})
          .map(([minute, value]) => [T0 + Number(minute) * MINUTE, value] as const)
          .filter(([time]) => time >= start && time < end);
        return { Id: query.Id, StatusCode: status(query.Id ?? ''), Timestamps: points.map(([time]) => new Date(time)), Values: points.map(([, value]) => value) };
      });
    return { MetricDataResults, $metadata: {} };
  };
}

const periodsOf = (observation: Observation | undefined) => {
  if (observation?.ok !== true) throw new Error(`expected periods, got ${JSON.stringify(observation)}`);
  return observation.periods;
};

describe('the queries for one request', () => {
  it('asks for Sum of Invocations, Errors, Throttles and Duration p50/p90/p99 per version on the alias', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await new CloudWatchMetricsSource({ client }).observe([request()]);
    const [input] = inputs();
    expect(inputs()).toHaveLength(1);
    expect(input?.ScanBy).toBe('TimestampAscending');
    const expected = [
      ['inv', 'Invocations', 'Sum'],
      ['err', 'Errors', 'Sum'],
      ['thr', 'Throttles', 'Sum'],
      ['p50', 'Duration', 'p50'],
      ['p90', 'Duration', 'p90'],
      ['p99', 'Duration', 'p99'],
    ];
    const queries = [
      ['c', '2'],
      ['b', '1'],
    ].flatMap(([arm, version]) =>
      expected.map(([suffix, MetricName, Stat]) => ({
        Id: `r0${arm}_${suffix}`,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName,
            Dimensions: [
              { Name: 'FunctionName', Value: 'checkout' },
              { Name: 'Resource', Value: 'checkout:live' },
              { Name: 'ExecutedVersion', Value: version },
            ],
          },
          Period: 60,
          Stat,
        },
        ReturnData: true,
      })),
    );
    expect(input?.MetricDataQueries).toEqual(queries);
    for (const id of queryIds(input)) expect(id).toMatch(ID);
  });

  it('floors the window to the period and ends it settleSeconds before now, leaving the newest partial period out', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerFrom({ r0c_inv: { 0: 5, 3: 7, 4: 9 } }));
    const source = new CloudWatchMetricsSource({ client, settleSeconds: 60 });
    // Released at 10:00:30, now 10:05:20: 10:04–10:05 may still be filling up; 10:05– surely is.
    const answer = await source.observe([request({ from: T0 + 30_000, to: T0 + 5 * MINUTE + 20_000 })]);
    expect(inputs()[0]?.StartTime).toEqual(new Date(T0));
    expect(inputs()[0]?.EndTime).toEqual(new Date(T0 + 4 * MINUTE));
    const periods = periodsOf(answer.get('rel-1'));
    expect(periods.map((period) => [period.start, period.end])).toEqual([0, 1, 2, 3].map((minute) => [T0 + minute * MINUTE, T0 + (minute + 1) * MINUTE]));
    expect(periods.map((period) => period.canary.invocations)).toEqual([5, 0, 0, 7]);
  });

  it.each([
    ['no whole settled period yet', T0 + 90_000],
    ['now before the start', T0 - MINUTE],
  ])('answers no periods without a call when there is %s', async (_name, to) => {
    const answer = await new CloudWatchMetricsSource({ client }).observe([request({ to })]);
    expect(answer.get('rel-1')).toEqual({ ok: true, periods: [] });
    expect(inputs()).toHaveLength(0);
  });

  it('builds one period per step: counts zero-filled, percentiles only where the arm had invocations', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(
      answerFrom({
        r0c_inv: { 0: 10, 2: 20 },
        r0c_err: { 2: 3 },
        r0c_p50: { 0: 40, 2: 45 },
        r0c_p90: { 0: 80, 2: 90 },
        r0c_p99: { 0: 120, 2: 200, 3: 999 },
        r0b_inv: { 0: 1000, 1: 900, 2: 950, 3: 980 },
        r0b_err: { 1: 4 },
        r0b_thr: { 3: 2 },
        r0b_p99: { 0: 110, 1: 115, 2: 112, 3: 118 },
      }),
    );
    const periods = periodsOf((await new CloudWatchMetricsSource({ client }).observe([request()])).get('rel-1'));
    expect(periods).toHaveLength(4);
    expect(periods.map((period) => period.canary)).toStrictEqual([
      { invocations: 10, errors: 0, throttles: 0, p50: 40, p90: 80, p99: 120 },
      { invocations: 0, errors: 0, throttles: 0, p50: undefined, p90: undefined, p99: undefined },
      { invocations: 20, errors: 3, throttles: 0, p50: 45, p90: 90, p99: 200 },
      // A stray percentile without invocations is no measurement.
      { invocations: 0, errors: 0, throttles: 0, p50: undefined, p90: undefined, p99: undefined },
    ]);
    expect(periods.map((period) => [period.baseline.invocations, period.baseline.errors, period.baseline.throttles, period.baseline.p99])).toEqual([
      [1000, 0, 0, 110],
      [900, 4, 0, 115],
      [950, 0, 0, 112],
      [980, 0, 2, 118],
    ]);
  });

  it('follows NextToken with the same queries and merges the pages', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput): GetMetricDataCommandOutput => {
      const page = (minutes: number[], status: MetricDataResult['StatusCode']): MetricDataResult => ({
        Id: 'r0c_inv',
        StatusCode: status,
        Timestamps: minutes.map((minute) => new Date(T0 + minute * MINUTE)),
        Values: minutes.map((minute) => 100 + minute),
      });
      if (input.NextToken === undefined) return { MetricDataResults: [page([0, 1], 'PartialData')], NextToken: 'page-2', $metadata: {} };
      if (input.NextToken === 'page-2') return { MetricDataResults: [page([2], 'PartialData')], NextToken: 'page-3', $metadata: {} };
      return { MetricDataResults: [page([3], 'Complete')], $metadata: {} };
    });
    const answer = await new CloudWatchMetricsSource({ client }).observe([request()]);
    expect(inputs().map((input) => input.NextToken)).toEqual([undefined, 'page-2', 'page-3']);
    expect(new Set(inputs().map((input) => JSON.stringify(input.MetricDataQueries)))).toHaveLength(1);
    expect(periodsOf(answer.get('rel-1')).map((period) => period.canary.invocations)).toEqual([100, 101, 102, 103]);
  });

  it('accepts a result still PartialData after the last page', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerFrom({ r0c_inv: { 1: 8 } }, () => 'PartialData'));
    const periods = periodsOf((await new CloudWatchMetricsSource({ client }).observe([request()])).get('rel-1'));
    expect(periods[1]?.canary.invocations).toBe(8);
  });
});

describe('custom SLIs', () => {
  it('queries a custom metric per arm with ${version}, ${function} and ${alias} substituted', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerFrom({ r0c_k1: { 0: 7, 2: 9 }, r0b_k1: { 0: 3 } }));
    const checks = [
      check({ sli: { kind: 'error_rate' }, method: 'sequential' }),
      customMetricCheck('queue-depth', { Service: '${function}', Stage: '${alias}', Version: 'v${version}', Region: 'eu-west-1' }),
    ];
    const answer = await new CloudWatchMetricsSource({ client }).observe([request({ checks })]);
    const queries = inputs()[0]?.MetricDataQueries ?? [];
    expect(queries).toHaveLength(14);
    for (const [id, version] of [
      ['r0c_k1', 'v2'],
      ['r0b_k1', 'v1'],
    ]) {
      expect(queries.find((query) => query.Id === id)).toEqual({
        Id: id,
        MetricStat: {
          Metric: {
            Namespace: 'Checkout',
            MetricName: 'QueueDepth',
            Dimensions: [
              { Name: 'Service', Value: 'checkout' },
              { Name: 'Stage', Value: 'live' },
              { Name: 'Version', Value: version },
              { Name: 'Region', Value: 'eu-west-1' },
            ],
          },
          Period: 60,
          Stat: 'Maximum',
        },
        ReturnData: true,
      });
    }
    const periods = periodsOf(answer.get('rel-1'));
    expect(periods.map((period) => period.canary.custom)).toEqual([{ 'queue-depth': 7 }, undefined, { 'queue-depth': 9 }, undefined]);
    expect(periods.map((period) => period.baseline.custom)).toEqual([{ 'queue-depth': 3 }, undefined, undefined, undefined]);
  });

  it('rewrites an expression to each arm’s own queries and adds Average Duration only when it is used', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerFrom({ r0c_k0: { 0: 1.5 }, r0b_k0: { 0: 0.5 }, r0c_k1: { 1: 300 } }));
    const checks = [expressionCheck('error-pct', 'errors / invocations * 100'), check({ sli: { kind: 'custom', expression: 'FILL(duration, 0) + throttles' }, method: 'baseline', maxRatio: 2 })];
    const answer = await new CloudWatchMetricsSource({ client }).observe([request({ checks })]);
    const queries = inputs()[0]?.MetricDataQueries ?? [];
    const byId = new Map(queries.map((query) => [query.Id, query]));
    expect(byId.get('r0c_k0')).toEqual({ Id: 'r0c_k0', Expression: 'r0c_err / r0c_inv * 100', ReturnData: true });
    expect(byId.get('r0b_k0')).toEqual({ Id: 'r0b_k0', Expression: 'r0b_err / r0b_inv * 100', ReturnData: true });
    expect(byId.get('r0c_k1')).toEqual({ Id: 'r0c_k1', Expression: 'FILL(r0c_dur, 0) + r0c_thr', ReturnData: true });
    expect(byId.get('r0b_k1')?.Expression).toBe('FILL(r0b_dur, 0) + r0b_thr');
    expect(byId.get('r0c_dur')).toMatchObject({ ReturnData: false, MetricStat: { Stat: 'Average', Metric: { MetricName: 'Duration' } } });
    expect(byId.get('r0b_dur')?.MetricStat?.Metric?.Dimensions).toContainEqual({ Name: 'ExecutedVersion', Value: '1' });
    expect(queries).toHaveLength(12 + 4 + 2);
    const periods = periodsOf(answer.get('rel-1'));
    expect(periods[0]?.canary.custom).toEqual({ 'error-pct': 1.5 });
    expect(periods[0]?.baseline.custom).toEqual({ 'error-pct': 0.5 });
    // An unnamed check is keyed by its label.
    expect(periods[1]?.canary.custom).toEqual({ 'custom-baseline': 300 });
  });

  it('leaves identifiers in quoted strings alone', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await new CloudWatchMetricsSource({ client }).observe([request({ checks: [expressionCheck('x', `IF(errors > 0, invocations, 0) + 0 * LAST("errors")`)] })]);
    expect(inputs()[0]?.MetricDataQueries?.find((query) => query.Id === 'r0c_k0')?.Expression).toBe('IF(r0c_err > 0, r0c_inv, 0) + 0 * LAST("errors")');
  });

  it('an expression naming an unknown id fails its own request without a call, not the batch', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerFrom({ r1c_inv: { 0: 4 } }));
    const answer = await new CloudWatchMetricsSource({ client }).observe([
      request({ key: 'bad', checks: [expressionCheck('ratio', 'errors / requests')] }),
      request({ key: 'good' }),
    ]);
    expect(answer.get('bad')).toEqual({ ok: false, error: expect.stringMatching(/^InvalidExpression: custom check 'ratio' refers to 'requests'/) as string });
    expect(periodsOf(answer.get('good'))[0]?.canary.invocations).toBe(4);
    expect(inputs()).toHaveLength(1);
    expect(queryIds(inputs()[0]).every((id) => id.startsWith('r1'))).toBe(true);
  });
});

/** As the SDK hands them over once its retries are spent (the query protocol's codes). */
const spent = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: '5ca1ab1e-0000-4000-8000-000000000000', attempts: 3, totalRetryDelay: 1500 } });
const throttled = () => new CloudWatchServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...spent(400) });

describe('an unavailable CloudWatch', () => {
  it.each([
    ['Throttling', throttled],
    ['InternalServiceFault', () => new InternalServiceFault({ message: 'Internal service error', ...spent(500) })],
    ['a 503', () => new CloudWatchServiceException({ name: 'ServiceUnavailable', $fault: 'server', message: 'Service Unavailable', ...spent(503) })],
    ['TimeoutError', () => Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError', $metadata: { attempts: 3 } })],
  ])('%s is data, not an exception: ok:false naming CloudWatch and the SDK error', async (_name, make) => {
    const sdkError = make();
    cloudwatch.on(GetMetricDataCommand).rejects(sdkError);
    const answer = await new CloudWatchMetricsSource({ client }).observe([request()]);
    expect(answer.get('rel-1')).toEqual({ ok: false, error: `cloudwatch GetMetricData is unavailable after 3 attempts: ${sdkError.name}: ${sdkError.message}` });
    expect(inputs()).toHaveLength(1);
  });

  it('any other error is reported as it came', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(new InvalidParameterValueException({ message: 'The parameter StartTime must be before EndTime', $metadata: { httpStatusCode: 400 } }));
    const answer = await new CloudWatchMetricsSource({ client }).observe([request()]);
    expect(answer.get('rel-1')).toEqual({ ok: false, error: 'InvalidParameterValueException: The parameter StartTime must be before EndTime' });
  });
});

describe('batching', () => {
  it('puts 100 requests of 12 queries into exactly ceil(1200 / 500) = 3 calls, each filled before the next', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const requests = Array.from({ length: 100 }, (_, index) => request({ key: `rel-${index}`, functionName: `fn-${index}` }));
    const answer = await new CloudWatchMetricsSource({ client }).observe(requests);
    const calls = inputs();
    expect(calls.map((call) => call.MetricDataQueries?.length)).toEqual([500, 500, 200]);
    const ids = calls.flatMap(queryIds);
    expect(ids).toHaveLength(1200);
    expect(new Set(ids).size).toBe(1200);
    expect([...answer.values()].every((observation) => observation.ok)).toBe(true);
  });

  it('a failed call is ok:false for each of its requests; requests in other calls still succeed', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      if (queryIds(input).includes('r2c_inv')) throw throttled();
      return answerFrom({ r0c_inv: { 0: 1 }, r1c_inv: { 0: 2 }, r4c_inv: { 0: 5 } })(input);
    });
    // 24 queries a call: two requests each.
    const source = new CloudWatchMetricsSource({ client, maxQueriesPerCall: 24 });
    const answer = await source.observe(Array.from({ length: 5 }, (_, index) => request({ key: `rel-${index}` })));
    expect(inputs()).toHaveLength(3);
    expect(answer.get('rel-2')).toEqual({ ok: false, error: 'cloudwatch GetMetricData is unavailable after 3 attempts: Throttling: Rate exceeded' });
    expect(answer.get('rel-3')).toEqual({ ok: false, error: 'cloudwatch GetMetricData is unavailable after 3 attempts: Throttling: Rate exceeded' });
    expect([0, 1, 4].map((index) => periodsOf(answer.get(`rel-${index}`))[0]?.canary.invocations)).toEqual([1, 2, 5]);
  });

  it.each(['InternalError', 'Forbidden'] as const)('a result with status %s makes that request an error, not its neighbours', async (status) => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerFrom({ r1c_inv: { 0: 3 } }, (id) => (id === 'r0b_p90' ? status : 'Complete')));
    const answer = await new CloudWatchMetricsSource({ client }).observe([request({ key: 'a' }), request({ key: 'b' })]);
    expect(inputs()).toHaveLength(1);
    expect(answer.get('a')).toEqual({ ok: false, error: `${status}: baseline p90 (r0b_p90)` });
    expect(periodsOf(answer.get('b'))[0]?.canary.invocations).toBe(3);
  });

  it('splits a request across calls when it does not fit, and merges its answer', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerFrom({ r0c_inv: { 0: 6 }, r0b_inv: { 0: 60 } }));
    const answer = await new CloudWatchMetricsSource({ client, maxQueriesPerCall: 8 }).observe([request()]);
    expect(inputs().map((input) => queryIds(input).map((id) => id.slice(0, 3)))).toEqual([[...Array(6).fill('r0c'), 'r0b', 'r0b'], Array(4).fill('r0b')]);
    const [first] = periodsOf(answer.get('rel-1'));
    expect([first?.canary.invocations, first?.baseline.invocations]).toEqual([6, 60]);
  });

  it('queries one window per call, the union of its requests’ windows, and gives each request only its own periods', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerFrom({ r0c_inv: { 0: 1, 1: 1, 2: 1, 3: 1 }, r1c_inv: { 0: 2, 1: 2, 2: 2, 3: 2 } }));
    const answer = await new CloudWatchMetricsSource({ client }).observe([request({ key: 'early' }), request({ key: 'late', from: T0 + 2 * MINUTE })]);
    expect(inputs()).toHaveLength(1);
    expect(inputs()[0]?.StartTime).toEqual(new Date(T0));
    expect(periodsOf(answer.get('early')).map((period) => period.start)).toEqual([0, 1, 2, 3].map((minute) => T0 + minute * MINUTE));
    expect(periodsOf(answer.get('late')).map((period) => [period.start, period.canary.invocations])).toEqual([
      [T0 + 2 * MINUTE, 2],
      [T0 + 3 * MINUTE, 2],
    ]);
  });

  it('property: unique valid ids, no call over 500, expressions with their metrics, and calls filled before the next opens', async () => {
    const customCheck = fc.oneof(
      fc.record({ kind: fc.constant('metric' as const), dimension: fc.constantFrom('${version}', 'fixed', 'v-${version}') }),
      fc.record({ kind: fc.constant('expression' as const), expression: fc.constantFrom('errors / invocations', 'duration * 2', 'throttles + errors') }),
    );
    const shape = fc.array(fc.array(customCheck, { maxLength: 30 }), { minLength: 1, maxLength: 120 });
    await fc.assert(
      fc.asyncProperty(shape, async (requestShapes) => {
        cloudwatch.reset();
        cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
        const requests = requestShapes.map((customs, index) =>
          request({
            key: `rel-${index}`,
            checks: customs.map((custom, position) =>
              custom.kind === 'metric' ? customMetricCheck(`c${position}`, { Version: custom.dimension }) : expressionCheck(`c${position}`, custom.expression),
            ),
          }),
        );
        const sizes = requestShapes.map((customs) => 2 * (6 + customs.length + (customs.some((custom) => custom.kind === 'expression' && custom.expression.includes('duration')) ? 1 : 0)));
        const total = sizes.reduce((sum, size) => sum + size, 0);

        const answer = await new CloudWatchMetricsSource({ client }).observe(requests);
        const calls = inputs();
        const ids = calls.flatMap(queryIds);

        expect(answer.size).toBe(requests.length);
        expect(ids).toHaveLength(total);
        expect(new Set(ids).size).toBe(total);
        for (const id of ids) expect(id).toMatch(ID);
        for (const call of calls) expect(call.MetricDataQueries?.length).toBeLessThanOrEqual(500);
        // An arm with an expression is one unit: its queries share a call.
        const callOfId = new Map(calls.flatMap((call, index) => queryIds(call).map((id) => [id, index] as const)));
        requestShapes.forEach((customs, index) => {
          if (!customs.some((custom) => custom.kind === 'expression')) return;
          for (const arm of ['c', 'b']) {
            const armCalls = new Set([...callOfId].filter(([id]) => id.startsWith(`r${index}${arm}_`)).map(([, call]) => call));
            expect(armCalls.size).toBe(1);
          }
        });
        const largestUnit = Math.max(1, ...sizes.map((size, index) => (requestShapes[index]!.some((custom) => custom.kind === 'expression') ? size / 2 : 1)));
        expect(calls.length).toBeGreaterThanOrEqual(Math.ceil(total / 500));
        // Every call but the last was full up to the next unit that did not fit.
        for (const call of calls.slice(0, -1)) expect(call.MetricDataQueries!.length).toBeGreaterThan(500 - largestUnit);
        if (largestUnit === 1) expect(calls.length).toBe(Math.ceil(total / 500));
      }),
      { numRuns: 60 },
    );
  });
});

describe('options', () => {
  it.each([{ periodSeconds: 0 }, { periodSeconds: 1.5 }, { maxQueriesPerCall: 501 }, { maxQueriesPerCall: 0 }, { settleSeconds: -1 }])('refuses %o', (options) => {
    expect(() => new CloudWatchMetricsSource({ client, ...options })).toThrow(RangeError);
  });

  it('uses periodSeconds for the grid and the queries', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answerFrom({ r0c_inv: { 0: 11, 5: 13 } }));
    const answer = await new CloudWatchMetricsSource({ client, periodSeconds: 300, settleSeconds: 0 }).observe([request({ to: T0 + 12 * MINUTE })]);
    expect(inputs()[0]?.MetricDataQueries?.every((query) => query.MetricStat?.Period === 300)).toBe(true);
    expect(periodsOf(answer.get('rel-1')).map((period) => [period.end - period.start, period.canary.invocations])).toEqual([
      [5 * MINUTE, 11],
      [5 * MINUTE, 13],
    ]);
  });
});

describe('slow-request counts', () => {
  const objectives = { 'p99-vs-baseline': 600 };

  it('asks each version for the percentile rank above each objective, PR(ms:)', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await new CloudWatchMetricsSource({ client }).observe([request({ latencyObjectivesMs: objectives })]);
    const queries = inputs()[0]?.MetricDataQueries ?? [];
    const slow = queries.filter((query) => query.MetricStat?.Stat?.startsWith('PR('));
    expect(slow.map((query) => [query.Id, query.MetricStat?.Metric?.MetricName, query.MetricStat?.Stat, query.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'ExecutedVersion')?.Value])).toEqual([
      ['r0c_s0', 'Duration', 'PR(600:)', '2'],
      ['r0b_s0', 'Duration', 'PR(600:)', '1'],
    ]);
  });

  it('asks for no rank without objectives', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await new CloudWatchMetricsSource({ client }).observe([request({ latencyObjectivesMs: {} })]);
    expect((inputs()[0]?.MetricDataQueries ?? []).some((query) => query.MetricStat?.Stat?.startsWith('PR('))).toBe(false);
  });

  it('turns the percent slower into a count with the period’s invocations; none slow without invocations; unknown without a rank', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(
      answerFrom({
        r0c_inv: { 0: 200, 1: 50, 2: 80 },
        r0c_s0: { 0: 2.5, 1: 10 },
        r0b_inv: { 0: 800, 2: 900 },
        r0b_s0: { 0: 1, 2: 0 },
      }),
    );
    const periods = periodsOf((await new CloudWatchMetricsSource({ client }).observe([request({ latencyObjectivesMs: objectives })])).get('rel-1'));
    expect(periods.map((period) => [period.canary.slow, period.baseline.slow])).toEqual([
      [{ 'p99-vs-baseline': 5 }, { 'p99-vs-baseline': 8 }],
      [{ 'p99-vs-baseline': 5 }, { 'p99-vs-baseline': 0 }],
      [undefined, { 'p99-vs-baseline': 0 }],
      [{ 'p99-vs-baseline': 0 }, { 'p99-vs-baseline': 0 }],
    ]);
  });
});

describe('reading the stable version', () => {
  const NOW = T0 + 62 * MINUTE;
  const stable = { functionName: 'checkout', alias: 'live', version: '1', windowMinutes: 60, to: NOW };
  const minutes = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + index);
  /** A GetMetricData result as CloudWatch sends it, with a Label and Dates. */
  const result = (id: string, label: string, points: readonly (readonly [number, number])[], status: MetricDataResult['StatusCode'] = 'Complete'): MetricDataResult => ({
    Id: id,
    Label: label,
    Timestamps: points.map(([minute]) => new Date(T0 + minute * MINUTE)),
    Values: points.map(([, value]) => value),
    StatusCode: status,
    Messages: [],
  });
  const healthy = (minute: number) => [
    result('stable_inv', 'Invocations', [[minute, 120]]),
    result('stable_err', 'Errors', [[minute, 1]]),
    result('stable_p50', 'Duration', [[minute, 40]]),
    result('stable_p90', 'Duration', [[minute, 90]]),
    result('stable_p99', 'Duration', [[minute, 200]]),
  ];

  it('reads Invocations and Errors (Sum) and Duration p50/p90/p99 of the stable version in one call over whole settled periods', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [], $metadata: {} });
    await new CloudWatchMetricsSource({ client }).readStable(stable);
    expect(inputs()).toHaveLength(1);
    const [input] = inputs();
    expect(input?.StartTime).toEqual(new Date(T0 + MINUTE));
    expect(input?.EndTime).toEqual(new Date(T0 + 61 * MINUTE));
    expect(input?.MetricDataQueries?.map((query) => [query.Id, query.MetricStat?.Metric?.MetricName, query.MetricStat?.Stat, query.MetricStat?.Period])).toEqual([
      ['stable_inv', 'Invocations', 'Sum', 60],
      ['stable_err', 'Errors', 'Sum', 60],
      ['stable_p50', 'Duration', 'p50', 60],
      ['stable_p90', 'Duration', 'p90', 60],
      ['stable_p99', 'Duration', 'p99', 60],
    ]);
    expect(input?.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'FunctionName', Value: 'checkout' },
      { Name: 'Resource', Value: 'checkout:live' },
      { Name: 'ExecutedVersion', Value: '1' },
    ]);
  });

  it('divides by the time since the first datapoint, not the minutes with data: a quiet minute has no datapoint', async () => {
    // Every other minute busy with 120 requests over the 60-minute window: 60 a minute, not 120.
    const busy = minutes(1, 61).filter((minute) => minute % 2 === 1);
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        result('stable_inv', 'Invocations', busy.map((minute) => [minute, 120])),
        result('stable_err', 'Errors', busy.map((minute) => [minute, minute % 10 === 1 ? 3 : 0])),
        result('stable_p50', 'Duration', busy.map((minute) => [minute, 40])),
        result('stable_p90', 'Duration', busy.map((minute) => [minute, 90])),
        result('stable_p99', 'Duration', busy.map((minute) => [minute, minute <= 30 ? 200 : 300])),
      ],
      $metadata: {},
    });
    const reading = await new CloudWatchMetricsSource({ client }).readStable(stable);
    expect(reading).toEqual({ ok: true, traffic: { requestsPerMinute: 60, requests: 3600, errors: 18, windowMinutes: 60, latencyMs: { p50: 40, p90: 90, p99: 250 } } });
  });

  it('reads a version that took traffic for only part of the window at the rate it had', async () => {
    const busy = minutes(51, 61);
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [result('stable_inv', 'Invocations', busy.map((minute) => [minute, 120])), result('stable_err', 'Errors', [])],
      $metadata: {},
    });
    expect(await new CloudWatchMetricsSource({ client }).readStable(stable)).toEqual({ ok: true, traffic: { requestsPerMinute: 120, requests: 1200, errors: 0, windowMinutes: 10 } });
  });

  it('follows NextToken and merges the pages of each query', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput): GetMetricDataCommandOutput => {
      if (input.NextToken === undefined) return { MetricDataResults: healthy(1).map((entry) => ({ ...entry, StatusCode: 'PartialData' })), NextToken: 'page-2', $metadata: {} };
      return { MetricDataResults: healthy(2), $metadata: {} };
    });
    const reading = await new CloudWatchMetricsSource({ client }).readStable(stable);
    expect(inputs().map((input) => input.NextToken)).toEqual([undefined, 'page-2']);
    expect(reading).toMatchObject({ ok: true, traffic: { requests: 240, errors: 2, requestsPerMinute: 4 } });
  });

  it('is no reading when data is still partial after the last page', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: healthy(1).map((entry) => (entry.Id === 'stable_err' ? { ...entry, StatusCode: 'PartialData' } : entry)), $metadata: {} });
    expect(await new CloudWatchMetricsSource({ client }).readStable(stable)).toEqual({ ok: false, reason: expect.stringMatching(/PartialData for the errors of version 1 of checkout:live/) });
  });

  it('is no reading without invocations (CloudWatch leaves every period out)', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: healthy(1).map((entry) => ({ ...entry, Timestamps: [], Values: [] })), $metadata: {} });
    expect(await new CloudWatchMetricsSource({ client }).readStable(stable)).toEqual({ ok: false, reason: 'no invocations of version 1 of checkout:live in the last 60 minutes' });
  });

  it('is no reading, never a rejection, when CloudWatch fails', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(new InternalServiceFault({ message: 'boom', $metadata: {} }));
    const reading = await new CloudWatchMetricsSource({ client }).readStable(stable);
    expect(reading).toEqual({ ok: false, reason: expect.stringContaining('could not read version 1 of checkout:live') });
  });
});
