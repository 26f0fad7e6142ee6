import { GetMetricDataCommand, InvalidNextToken, InvalidParameterValueException, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../lib/sandbox/handler-runner.js';
import { FakeClock, T0, fakeHandlers, seededRandom, startHarness, type Harness } from './support.js';

/** Handlers that take `{ ms, fail }`: the fake stopwatch moves by `ms`, so Duration is exact. */
const stopwatch = { t: 0 };
const scripted: LambdaHandler = (event) => {
  const { ms = 1, fail = false } = event as { ms?: number; fail?: boolean };
  stopwatch.t += ms;
  return fail ? Promise.reject(new Error('scripted failure')) : Promise.resolve({ ok: true });
};

const clock = new FakeClock();
let h: Harness;
beforeEach(async () => {
  clock.t = T0;
  h = await startHarness({
    clock,
    stopwatch: () => stopwatch.t,
    random: seededRandom(3),
    loadHandler: fakeHandlers({ 1: scripted, 2: scripted }),
  });
});
afterEach(async () => h.stop());

const lambdaMetric = (id: string, metric: string, stat: string, dimensions: Record<string, string>, period = 10): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
    Period: period,
    Stat: stat,
  },
});

const byVersion = (version: string) => ({ FunctionName: 'checkout', Resource: 'checkout:live', ExecutedVersion: version });

async function query(queries: MetricDataQuery[], extra: { MaxDatapoints?: number; NextToken?: string; ScanBy?: 'TimestampAscending' | 'TimestampDescending' } = {}) {
  return h.cloudwatch.send(new GetMetricDataCommand({ StartTime: new Date(T0), EndTime: new Date(T0 + 60_000), MetricDataQueries: queries, ...extra }));
}

async function invokeAt(offsetMs: number, count: number, event: object = {}): Promise<void> {
  clock.t = T0 + offsetMs;
  for (let i = 0; i < count; i += 1) await h.sandbox.world.invoke('checkout', 'live', event);
}

/** Routes every live invocation to one version. */
async function routeTo(version: '1' | '2'): Promise<void> {
  await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', RoutingConfig: { AdditionalVersionWeights: version === '2' ? { '2': 1 } : {} } }));
}

describe('GetMetricData per ExecutedVersion and Resource', () => {
  beforeEach(async () => {
    // Period [0,10) s: 3 on v1, 2 failing on v2. Period [10,20) s: nothing. Period [20,30) s: 4 on v1, 1 failing.
    await invokeAt(1_000, 3);
    await routeTo('2');
    await invokeAt(5_000, 2, { fail: true });
    await routeTo('1');
    await invokeAt(21_000, 3);
    await invokeAt(29_999, 1, { fail: true });
  });

  it('sums Invocations and Errors per version per period, newest first, leaving out periods without data', async () => {
    const answer = await query([
      lambdaMetric('inv1', 'Invocations', 'Sum', byVersion('1')),
      lambdaMetric('err1', 'Errors', 'Sum', byVersion('1')),
      lambdaMetric('inv2', 'Invocations', 'Sum', byVersion('2')),
      lambdaMetric('err2', 'Errors', 'Sum', byVersion('2')),
    ]);
    const results = new Map((answer.MetricDataResults ?? []).map((r) => [r.Id, r]));
    expect(results.get('inv1')?.Timestamps).toEqual([new Date(T0 + 20_000), new Date(T0)]);
    expect(results.get('inv1')?.Values).toEqual([4, 3]);
    expect(results.get('err1')?.Values).toEqual([1, 0]);
    expect(results.get('inv2')).toMatchObject({ Timestamps: [new Date(T0)], Values: [2], StatusCode: 'Complete', Label: 'Invocations' });
    expect(results.get('err2')?.Values).toEqual([2]);
    expect(answer.NextToken).toBeUndefined();
  });

  it('aggregates a Period that is a multiple of the sandbox period, and the Resource and FunctionName sets', async () => {
    const answer = await query([
      lambdaMetric('alias', 'Invocations', 'Sum', { FunctionName: 'checkout', Resource: 'checkout:live' }, 30),
      lambdaMetric('fn', 'Errors', 'Sum', { FunctionName: 'checkout' }, 60),
      lambdaMetric('rate', 'Errors', 'Average', { FunctionName: 'checkout' }, 60),
    ], { ScanBy: 'TimestampAscending' });
    const [alias, fn, rate] = answer.MetricDataResults ?? [];
    expect(alias).toMatchObject({ Timestamps: [new Date(T0)], Values: [9] });
    expect(fn).toMatchObject({ Timestamps: [new Date(T0)], Values: [3] });
    expect(rate?.Values).toEqual([3 / 9]);
  });

  it('matches the whole dimension set, as CloudWatch does: a partial set finds nothing', async () => {
    const answer = await query([lambdaMetric('partial', 'Invocations', 'Sum', { FunctionName: 'checkout', ExecutedVersion: '1' })]);
    expect(answer.MetricDataResults?.[0]).toMatchObject({ Timestamps: [], Values: [], StatusCode: 'Complete' });
  });

  it('pages with MaxDatapoints and NextToken; the pages add up to the whole answer', async () => {
    const queries = [lambdaMetric('inv1', 'Invocations', 'Sum', byVersion('1')), lambdaMetric('inv2', 'Invocations', 'Sum', byVersion('2'))];
    const first = await query(queries, { MaxDatapoints: 2 });
    expect(first.MetricDataResults?.map((r) => [r.Id, r.Values, r.StatusCode])).toEqual([['inv1', [4, 3], 'Complete'], ['inv2', [], 'PartialData']]);
    expect(first.NextToken).toBeDefined();
    // Newer data must not shift the pages.
    await invokeAt(40_000, 1);
    const second = await query(queries, { MaxDatapoints: 2, NextToken: first.NextToken });
    expect(second.MetricDataResults?.map((r) => [r.Id, r.Values, r.StatusCode])).toEqual([['inv1', [], 'Complete'], ['inv2', [2], 'Complete']]);
    expect(second.NextToken).toBeUndefined();
  });

  it('refuses a NextToken from another request', async () => {
    const first = await query([lambdaMetric('inv1', 'Invocations', 'Sum', byVersion('1'))], { MaxDatapoints: 1 });
    const other = query([lambdaMetric('inv2', 'Invocations', 'Sum', byVersion('2'))], { MaxDatapoints: 1, NextToken: first.NextToken });
    await expect(other).rejects.toBeInstanceOf(InvalidNextToken);
    await expect(query([lambdaMetric('inv1', 'Invocations', 'Sum', byVersion('1'))], { NextToken: 'garbage' })).rejects.toBeInstanceOf(InvalidNextToken);
  });
});

describe('GetMetricData statistics', () => {
  it('computes Duration percentiles by nearest rank, and the basic statistics', async () => {
    for (let ms = 1; ms <= 100; ms += 1) await invokeAt(2_000, 1, { ms });
    const v1 = byVersion('1');
    const answer = await query(['p99', 'p50', 'p99.9', 'Average', 'Minimum', 'Maximum', 'SampleCount', 'Sum'].map((stat, i) => lambdaMetric(`q${i}`, 'Duration', stat, v1)));
    expect(answer.MetricDataResults?.map((r) => r.Values?.[0])).toEqual([99, 50, 100, 50.5, 1, 100, 100, 5050]);
  });

  it('computes percentile ranks PR(n:m) from the recorded Duration samples: lower bound exclusive, upper inclusive', async () => {
    for (let ms = 1; ms <= 100; ms += 1) await invokeAt(2_000, 1, { ms });
    const v1 = byVersion('1');
    const answer = await query(['PR(90:)', 'PR(:10)', 'PR(10:20)', 'PR(99.5:)', 'PR(100:)'].map((stat, i) => lambdaMetric(`q${i}`, 'Duration', stat, v1)));
    expect(answer.MetricDataResults?.map((r) => [r.StatusCode, r.Values?.[0]])).toEqual([
      ['Complete', 10],
      ['Complete', 10],
      ['Complete', 10],
      ['Complete', 1],
      ['Complete', 0],
    ]);
  });

  it('answers a malformed percentile rank with InternalError', async () => {
    await invokeAt(2_000, 2);
    const answer = await query(['PR(:)', 'PR(20:10)', 'PR(a:)'].map((stat, i) => lambdaMetric(`q${i}`, 'Duration', stat, byVersion('1'))));
    expect(answer.MetricDataResults?.map((r) => r.StatusCode)).toEqual(['InternalError', 'InternalError', 'InternalError']);
  });

  it('answers an Expression query with InternalError and still answers the others', async () => {
    await invokeAt(2_000, 2);
    const answer = await query([
      { ...lambdaMetric('inv', 'Invocations', 'Sum', byVersion('1')), ReturnData: false },
      { Id: 'rate', Expression: 'err / inv' },
      lambdaMetric('err', 'Errors', 'Sum', byVersion('1')),
      lambdaMetric('trimmed', 'Duration', 'tm99', byVersion('1')),
    ]);
    const [rate, err, trimmed] = answer.MetricDataResults ?? [];
    expect(rate).toMatchObject({ Id: 'rate', StatusCode: 'InternalError', Values: [] });
    expect(rate?.Messages?.[0]?.Value).toMatch(/metric math .* not supported in the sandbox/);
    expect(err).toMatchObject({ Id: 'err', StatusCode: 'Complete', Values: [0] });
    expect(trimmed?.StatusCode).toBe('InternalError');
    expect(answer.MetricDataResults).toHaveLength(3);
  });

  it('refuses a Period that is not a multiple of the sandbox period', async () => {
    await expect(query([lambdaMetric('q', 'Invocations', 'Sum', byVersion('1'), 15)])).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(query([lambdaMetric('Bad', 'Invocations', 'Sum', byVersion('1'))])).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('answers an unknown X-Amz-Target with a JSON 1.0 error', async () => {
    const answer = await fetch(`${h.sandbox.endpoint}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { __type: string; message: string };
    expect(body.__type).toMatch(/UnknownOperationException$/);
    expect(body.message).toContain('PutMetricData');
  });
});
