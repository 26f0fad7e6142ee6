/**
 * CloudWatch GetMetricData over the recorder, with CloudWatch's answer shape: periods without
 * data are left out (not zero-filled), newest first unless ScanBy says otherwise, and
 * MaxDatapoints counts datapoints across all queries, continued by NextToken.
 *
 * Limits of the sandbox: metric math (`Expression`) and statistics other than Sum, SampleCount,
 * Average, Minimum, Maximum, pNN and PR(n:m) answer that query with StatusCode InternalError.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { CloudWatchServiceError } from './errors.js';
import { METRIC_UNITS, type Bucket, type LambdaMetric, type MetricRecorder } from './metric-recorder.js';
import { computeStatistic, mergeBuckets, parseStatistic } from './metric-stats.js';

const dimensionSchema = z.object({ Name: z.string().min(1), Value: z.string().min(1) });

const querySchema = z.object({
  Id: z.string().regex(/^[a-z][a-zA-Z0-9_]*$/, 'Id must start with a lowercase letter; then letters, digits and _'),
  MetricStat: z.object({
    Metric: z.object({ Namespace: z.string().optional(), MetricName: z.string().optional(), Dimensions: z.array(dimensionSchema).max(30).default([]) }),
    Period: z.int().min(1),
    Stat: z.string().min(1),
    Unit: z.string().optional(),
  }).optional(),
  Expression: z.string().optional(),
  Label: z.string().optional(),
  ReturnData: z.boolean().optional(),
  Period: z.int().optional(),
  AccountId: z.string().optional(),
}).refine((q) => (q.MetricStat === undefined) !== (q.Expression === undefined), 'a query needs exactly one of MetricStat and Expression');

export const getMetricDataSchema = z.object({
  MetricDataQueries: z.array(querySchema).min(1).max(500)
    .refine((queries) => new Set(queries.map((q) => q.Id)).size === queries.length, 'query Ids must be unique'),
  /** Epoch seconds, as the SDK's JSON 1.0 protocol sends timestamps. */
  StartTime: z.number(),
  EndTime: z.number(),
  NextToken: z.string().optional(),
  ScanBy: z.enum(['TimestampDescending', 'TimestampAscending']).default('TimestampDescending'),
  MaxDatapoints: z.int().min(1).default(100_800),
  LabelOptions: z.object({ Timezone: z.string().optional() }).optional(),
}).refine((input) => input.StartTime < input.EndTime, 'StartTime must be before EndTime');

export type GetMetricDataInput = z.infer<typeof getMetricDataSchema>;
type MetricDataQuery = GetMetricDataInput['MetricDataQueries'][number];

export interface MetricDataResult {
  Id: string;
  Label: string;
  Timestamps: number[];
  Values: number[];
  StatusCode: 'Complete' | 'PartialData' | 'InternalError';
  Messages?: { Code: string; Value: string }[];
}

export interface GetMetricDataOutput {
  MetricDataResults: MetricDataResult[];
  NextToken?: string;
  Messages: { Code: string; Value: string }[];
}

const tokenSchema = z.object({ offset: z.int().min(0), asOf: z.number(), request: z.string() });

export function getMetricData(recorder: MetricRecorder, input: GetMetricDataInput, now: number): GetMetricDataOutput {
  const request = requestHash(input);
  const token = input.NextToken === undefined ? { offset: 0, asOf: recorder.bucketOf(now), request } : decodeToken(input.NextToken, request);
  const full = input.MetricDataQueries
    .filter((query) => query.ReturnData !== false)
    .map((query) => answerQuery(recorder, input, query, token.asOf));
  const end = token.offset + input.MaxDatapoints;
  let position = 0;
  const page = full.map((result): MetricDataResult => {
    const from = position;
    position += result.Timestamps.length;
    if (result.StatusCode === 'InternalError') return result;
    const slice = (values: number[]) => values.slice(Math.max(0, token.offset - from), Math.max(0, end - from));
    return { ...result, Timestamps: slice(result.Timestamps), Values: slice(result.Values), StatusCode: position > end ? 'PartialData' : 'Complete' };
  });
  return {
    MetricDataResults: page,
    Messages: [],
    ...(position > end ? { NextToken: encodeToken({ ...token, offset: end }) } : {}),
  };
}

function answerQuery(recorder: MetricRecorder, input: GetMetricDataInput, query: MetricDataQuery, asOf: number): MetricDataResult {
  const label = query.Label ?? query.MetricStat?.Metric.MetricName ?? query.Id;
  const failed = (message: string): MetricDataResult => ({
    Id: query.Id, Label: label, Timestamps: [], Values: [], StatusCode: 'InternalError', Messages: [{ Code: 'InternalError', Value: message }],
  });
  const stat = query.MetricStat;
  if (!stat) return failed('metric math (Expression) is not supported in the sandbox; query each metric with MetricStat');
  const statistic = parseStatistic(stat.Stat);
  if (!statistic) return failed(`statistic ${stat.Stat} is not supported in the sandbox; use Sum, SampleCount, Average, Minimum, Maximum, pNN or PR(n:m)`);
  const base = recorder.periodSeconds;
  if (stat.Period % base !== 0) {
    throw new CloudWatchServiceError('InvalidParameterValueException', `MetricDataQueries ${query.Id}: Period ${stat.Period} must be a multiple of the sandbox's metric period, ${base} s`);
  }
  const windows = windowsOf(recorder, input, stat, asOf);
  const order = input.ScanBy === 'TimestampAscending' ? 1 : -1;
  const timestamps = [...windows.keys()].sort((a, b) => order * (a - b));
  return {
    Id: query.Id,
    Label: label,
    Timestamps: timestamps,
    Values: timestamps.map((at) => computeStatistic(statistic, mergeBuckets(windows.get(at) ?? []))),
    StatusCode: 'Complete',
  };
}

/**
 * Groups the series' buckets into Period-long windows. Like CloudWatch, the first window starts
 * at StartTime rounded down to the (sandbox) minute; buckets at or after EndTime are left out.
 */
function windowsOf(recorder: MetricRecorder, input: GetMetricDataInput, stat: NonNullable<MetricDataQuery['MetricStat']>, asOf: number): Map<number, Bucket[]> {
  const windows = new Map<number, Bucket[]>();
  const { Namespace, MetricName, Dimensions } = stat.Metric;
  if (Namespace === undefined || MetricName === undefined) return windows;
  if (stat.Unit !== undefined && stat.Unit !== METRIC_UNITS[MetricName as LambdaMetric]) return windows;
  const buckets = recorder.buckets(Namespace, MetricName, Dimensions);
  if (!buckets) return windows;
  const base = recorder.periodSeconds;
  const start = Math.floor(input.StartTime / base) * base;
  for (const [at, bucket] of buckets) {
    if (at < start || at >= input.EndTime || at > asOf) continue;
    const window = start + Math.floor((at - start) / stat.Period) * stat.Period;
    const group = windows.get(window);
    if (group) group.push(bucket);
    else windows.set(window, [bucket]);
  }
  return windows;
}

/** A token is only good for the request that made it; `asOf` keeps later pages from seeing newer buckets. */
function requestHash(input: GetMetricDataInput): string {
  const { NextToken: _token, MaxDatapoints: _max, ...rest } = input;
  return createHash('sha256').update(JSON.stringify(rest)).digest('base64url').slice(0, 16);
}

function encodeToken(token: z.infer<typeof tokenSchema>): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(raw: string, request: string): z.infer<typeof tokenSchema> {
  let token: z.infer<typeof tokenSchema> | undefined;
  try {
    token = tokenSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    token = undefined;
  }
  if (!token || token.request !== request) throw new CloudWatchServiceError('InvalidNextToken', 'NextToken is invalid or belongs to a different request');
  return token;
}
