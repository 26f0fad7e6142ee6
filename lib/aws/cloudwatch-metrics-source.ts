import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { aggregateArm, type ArmStats, type Observation, type Period } from '../core/metrics.js';
import { checkLabel } from '../core/policy.js';
import { DependencyUnavailableError } from '../errors.js';
import type { MetricsRequest, MetricsSource, StableTrafficReading, StableTrafficRequest } from '../ports.js';
import { callAws } from './sdk-errors.js';

export interface CloudWatchMetricsSourceOptions {
  readonly client: CloudWatchClient;
  /** Seconds per period. @default 60 */
  readonly periodSeconds?: number;
  /** Lambda metrics land late: the newest `settleSeconds` are left out. @default 60 */
  readonly settleSeconds?: number;
  /** GetMetricData's limit. @default 500 */
  readonly maxQueriesPerCall?: number;
}

type Arm = 'canary' | 'baseline';
type BuiltIn = 'invocations' | 'errors' | 'throttles' | 'p50' | 'p90' | 'p99';

/** What a query id answers for. `value` is absent for helper queries whose data is not returned. */
interface QueryTarget {
  readonly arm: Arm;
  readonly value?: { readonly builtIn: BuiltIn } | { readonly custom: string } | { readonly slow: string };
}

interface RequestPlan {
  readonly request: MetricsRequest;
  readonly start: number;
  readonly end: number;
  /** Queries that must share a call: each arm's, since its expressions refer to its own metrics. */
  readonly units: MetricDataQuery[][];
  /** Query id → what it answers for; ids are unique across one observe() call. */
  readonly targets: Map<string, QueryTarget>;
  error?: string;
}

interface Series {
  readonly values: Map<number, number>;
  status?: string | undefined;
  messages: string[];
}

const BUILT_INS: readonly { readonly suffix: string; readonly builtIn: BuiltIn; readonly metricName: string; readonly stat: string }[] = [
  { suffix: 'inv', builtIn: 'invocations', metricName: 'Invocations', stat: 'Sum' },
  { suffix: 'err', builtIn: 'errors', metricName: 'Errors', stat: 'Sum' },
  { suffix: 'thr', builtIn: 'throttles', metricName: 'Throttles', stat: 'Sum' },
  { suffix: 'p50', builtIn: 'p50', metricName: 'Duration', stat: 'p50' },
  { suffix: 'p90', builtIn: 'p90', metricName: 'Duration', stat: 'p90' },
  { suffix: 'p99', builtIn: 'p99', metricName: 'Duration', stat: 'p99' },
];

/** Names a custom expression may use, and the arm's query each stands for. */
const EXPRESSION_NAMES: Readonly<Record<string, string>> = { invocations: 'inv', errors: 'err', throttles: 'thr', duration: 'dur' };

/** Quoted strings are skipped; CloudWatch ids (and so expression variables) start with a lower-case letter, functions are upper-case. */
const EXPRESSION_TOKEN = /'[^']*'|"[^"]*"|\b[a-z][A-Za-z0-9_]*\b/g;

/** Our own error's message already names the dependency and the SDK's error. */
const errorText = (error: unknown) =>
  error instanceof DependencyUnavailableError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * CloudWatch's percentile rank: the percent of datapoints in (lower, upper]. `PR(300:)` is the
 * share of requests slower than 300 ms (the lower bound is exclusive).
 */
export const slowerThan = (objectiveMs: number) => `PR(${objectiveMs}:)`;

const describeTarget = (value: QueryTarget['value']) =>
  value === undefined ? 'duration' : 'builtIn' in value ? value.builtIn : 'custom' in value ? `custom check '${value.custom}'` : `slow requests of '${value.slow}'`;

/**
 * MetricsSource over CloudWatch GetMetricData, per version through Lambda's `ExecutedVersion`
 * dimension on the alias (`Resource` = `<function>:<alias>`).
 *
 * Custom SLIs are queried per arm:
 * - a `metric` has the placeholders `${version}`, `${function}` and `${alias}` in its dimension
 *   values replaced by the arm's version, the function and the alias, so
 *   `{ Version: '${version}' }` reads `{ Version: '7' }` for the canary of version 7;
 * - an `expression` is metric math in which `invocations`, `errors`, `throttles` (Sums) and
 *   `duration` (Average) are the arm's own metrics, e.g. `errors / invocations * 100`.
 *
 * Every tick queries the whole window since the release started, so datapoints that arrive late
 * are still counted; the newest, partial period is left out.
 */
export class CloudWatchMetricsSource implements MetricsSource {
  private readonly client: CloudWatchClient;
  private readonly periodMs: number;
  private readonly periodSeconds: number;
  private readonly settleMs: number;
  private readonly maxQueriesPerCall: number;

  constructor(options: CloudWatchMetricsSourceOptions) {
    this.client = options.client;
    this.periodSeconds = options.periodSeconds ?? 60;
    this.settleMs = (options.settleSeconds ?? 60) * 1000;
    this.maxQueriesPerCall = options.maxQueriesPerCall ?? 500;
    if (!Number.isInteger(this.periodSeconds) || this.periodSeconds < 1) throw new RangeError(`periodSeconds must be a whole number ≥ 1, got ${this.periodSeconds}`);
    if (!(this.settleMs >= 0)) throw new RangeError(`settleSeconds must be ≥ 0, got ${options.settleSeconds}`);
    if (!Number.isInteger(this.maxQueriesPerCall) || this.maxQueriesPerCall < 1 || this.maxQueriesPerCall > 500) {
      throw new RangeError(`maxQueriesPerCall must be a whole number in [1, 500], got ${this.maxQueriesPerCall}`);
    }
    this.periodMs = this.periodSeconds * 1000;
  }

  async observe(requests: readonly MetricsRequest[]): Promise<Map<string, Observation>> {
    const plans = requests.map((request, index) => this.plan(request, `r${index}`));
    const calls = this.batch(plans);
    const series = new Map<string, Series>();
    await Promise.all(
      calls.map(async (call) => {
        try {
          await this.fetch(call.queries, call.start, call.end, series);
        } catch (error) {
          for (const plan of call.plans) plan.error ??= errorText(error);
        }
      }),
    );
    return new Map(plans.map((plan) => [plan.request.key, this.answer(plan, series)]));
  }

  /**
   * The stable version's Invocations and Errors (Sum) and Duration p50/p90/p99 over the last
   * `windowMinutes`, in one GetMetricData call of whole periods ending `settleSeconds` before now.
   *
   * Requests per minute divide by the time from the first period with data to the window's end,
   * not by the periods with data: Lambda emits no datapoint for a period without invocations, so
   * a gap is zero traffic, and counting only busy periods would overstate sparse traffic (and with
   * it what the plan can judge). Nor by the whole window: a version that started taking traffic
   * ten minutes ago would look six times quieter than it is. The percentiles are
   * invocation-weighted means of the periods', as aggregateArm has them.
   */
  async readStable(request: StableTrafficRequest): Promise<StableTrafficReading> {
    const end = Math.floor((request.to - this.settleMs) / this.periodMs) * this.periodMs;
    const start = Math.floor((end - request.windowMinutes * 60_000) / this.periodMs) * this.periodMs;
    const what = `version ${request.version} of ${request.functionName}:${request.alias}`;
    if (!(request.windowMinutes > 0) || end <= start) return { ok: false, reason: `no window to read ${what} in` };
    const dimensions = [
      { Name: 'FunctionName', Value: request.functionName },
      { Name: 'Resource', Value: `${request.functionName}:${request.alias}` },
      { Name: 'ExecutedVersion', Value: request.version },
    ];
    const wanted = BUILT_INS.filter(({ builtIn }) => builtIn !== 'throttles');
    const queries: MetricDataQuery[] = wanted.map(({ suffix, metricName, stat }) => ({
      Id: `stable_${suffix}`,
      MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: dimensions }, Period: this.periodSeconds, Stat: stat },
      ReturnData: true,
    }));
    const series = new Map<string, Series>();
    try {
      await this.fetch(queries, start, end, series);
    } catch (error) {
      return { ok: false, reason: `could not read ${what}: ${errorText(error)}` };
    }
    for (const { suffix, builtIn } of wanted) {
      const entry = series.get(`stable_${suffix}`);
      // Unlike a tick, a reading is not taken again, so data still partial after the last page is no reading.
      if (entry !== undefined && entry.status !== undefined && entry.status !== 'Complete') {
        return { ok: false, reason: `CloudWatch answered ${entry.status} for the ${builtIn} of ${what}${entry.messages.length > 0 ? `: ${entry.messages.join('; ')}` : ''}` };
      }
    }
    const arms: ArmStats[] = [];
    let first: number | undefined;
    const value = (suffix: string, at: number) => series.get(`stable_${suffix}`)?.values.get(at);
    for (let at = start; at < end; at += this.periodMs) {
      const invocations = value('inv', at) ?? 0;
      if (invocations <= 0) continue;
      first ??= at;
      arms.push({ invocations, errors: value('err', at) ?? 0, throttles: 0, p50: value('p50', at), p90: value('p90', at), p99: value('p99', at) });
    }
    const total = aggregateArm(arms);
    if (first === undefined || total.invocations === 0) return { ok: false, reason: `no invocations of ${what} in the last ${(end - start) / 60_000} minutes` };
    const windowMinutes = (end - first) / 60_000;
    const latencyMs = Object.fromEntries((['p50', 'p90', 'p99'] as const).flatMap((key) => (total[key] === undefined ? [] : [[key, total[key]]])));
    return {
      ok: true,
      traffic: { requestsPerMinute: total.invocations / windowMinutes, requests: total.invocations, errors: total.errors, windowMinutes, ...(Object.keys(latencyMs).length > 0 ? { latencyMs } : {}) },
    };
  }

  private plan(request: MetricsRequest, prefix: string): RequestPlan {
    const start = Math.floor(request.from / this.periodMs) * this.periodMs;
    const end = Math.floor((request.to - this.settleMs) / this.periodMs) * this.periodMs;
    const targets = new Map<string, QueryTarget>();
    const plan: RequestPlan = { request, start, end, units: [], targets };
    if (end <= start) return plan;
    for (const arm of ['canary', 'baseline'] as const) {
      const version = arm === 'canary' ? request.canaryVersion : request.baselineVersion;
      const idOf = (suffix: string) => `${prefix}${arm === 'canary' ? 'c' : 'b'}_${suffix}`;
      const lambdaMetric = (metricName: string, stat: string) => ({
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: metricName,
          Dimensions: [
            { Name: 'FunctionName', Value: request.functionName },
            { Name: 'Resource', Value: `${request.functionName}:${request.alias}` },
            { Name: 'ExecutedVersion', Value: version },
          ],
        },
        Period: this.periodSeconds,
        Stat: stat,
      });
      const unit: MetricDataQuery[] = BUILT_INS.map(({ suffix, builtIn, metricName, stat }) => {
        targets.set(idOf(suffix), { arm, value: { builtIn } });
        return { Id: idOf(suffix), MetricStat: lambdaMetric(metricName, stat), ReturnData: true };
      });
      let durationQueried = false;
      request.checks.forEach((check, index) => {
        if (check.sli.kind !== 'custom') return;
        const label = checkLabel(check);
        const id = idOf(`k${index}`);
        if (check.sli.metric !== undefined) {
          const { namespace, metricName, dimensions, stat } = check.sli.metric;
          const substitute = (value: string) =>
            value.replaceAll('${version}', version).replaceAll('${function}', request.functionName).replaceAll('${alias}', request.alias);
          unit.push({
            Id: id,
            MetricStat: {
              Metric: { Namespace: namespace, MetricName: metricName, Dimensions: Object.entries(dimensions).map(([Name, value]) => ({ Name, Value: substitute(value) })) },
              Period: this.periodSeconds,
              Stat: stat,
            },
            ReturnData: true,
          });
        } else if (check.sli.expression !== undefined) {
          const unknown: string[] = [];
          const expression = check.sli.expression.replace(EXPRESSION_TOKEN, (token) => {
            if (token.startsWith("'") || token.startsWith('"')) return token;
            const suffix = EXPRESSION_NAMES[token];
            if (suffix === undefined) {
              unknown.push(token);
              return token;
            }
            if (suffix === 'dur') durationQueried = true;
            return idOf(suffix);
          });
          // An unknown id would make CloudWatch reject the whole call, and with it other releases.
          if (unknown.length > 0) {
            plan.error ??= `InvalidExpression: custom check '${label}' refers to ${unknown.map((name) => `'${name}'`).join(', ')}; an expression may use invocations, errors, throttles and duration`;
            return;
          }
          unit.push({ Id: id, Expression: expression, ReturnData: true });
        }
        targets.set(id, { arm, value: { custom: label } });
      });
      // A percentile rank per objective; answer() turns the percent into a count with the period's invocations.
      Object.entries(request.latencyObjectivesMs ?? {}).forEach(([name, objective], index) => {
        if (!(objective > 0) || !Number.isFinite(objective)) return;
        targets.set(idOf(`s${index}`), { arm, value: { slow: name } });
        unit.push({ Id: idOf(`s${index}`), MetricStat: lambdaMetric('Duration', slowerThan(objective)), ReturnData: true });
      });
      if (durationQueried) {
        targets.set(idOf('dur'), { arm });
        unit.push({ Id: idOf('dur'), MetricStat: lambdaMetric('Duration', 'Average'), ReturnData: false });
      }
      const hasExpression = unit.some((query) => query.Expression !== undefined);
      if (hasExpression && unit.length > this.maxQueriesPerCall) {
        plan.error ??= `TooManyQueries: the ${arm} arm needs ${unit.length} queries in one call (its expressions refer to its metrics), more than maxQueriesPerCall ${this.maxQueriesPerCall}`;
      }
      // An expression must travel with the metrics it refers to; any other query can go in any call.
      if (hasExpression) plan.units.push(unit);
      else plan.units.push(...unit.map((query) => [query]));
    }
    return plan;
  }

  /**
   * Fills each call up to `maxQueriesPerCall` before opening the next, so a tick makes
   * ceil(queries / 500) calls. Queries are independent except an arm with an expression, which
   * stays whole; a failed call fails every request with a query in it.
   */
  private batch(plans: readonly RequestPlan[]) {
    const calls: { plans: RequestPlan[]; queries: MetricDataQuery[]; start: number; end: number }[] = [];
    for (const plan of plans) {
      if (plan.error !== undefined || plan.units.length === 0) continue;
      for (const unit of plan.units) {
        let call = calls.at(-1);
        if (call === undefined || call.queries.length + unit.length > this.maxQueriesPerCall) {
          call = { plans: [], queries: [], start: plan.start, end: plan.end };
          calls.push(call);
        }
        if (!call.plans.includes(plan)) call.plans.push(plan);
        call.queries.push(...unit);
        // One call has one window: the union of its requests'; each request keeps only its own periods.
        call.start = Math.min(call.start, plan.start);
        call.end = Math.max(call.end, plan.end);
      }
    }
    return calls;
  }

  /** All pages of one call, merged into `series` by query id. */
  private async fetch(queries: MetricDataQuery[], start: number, end: number, series: Map<string, Series>): Promise<void> {
    let nextToken: string | undefined;
    do {
      const page = await callAws('cloudwatch', 'GetMetricData', () =>
        this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(start),
            EndTime: new Date(end),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
        ),
      );
      for (const result of page.MetricDataResults ?? []) {
        if (result.Id === undefined) continue;
        let entry = series.get(result.Id);
        if (entry === undefined) {
          entry = { values: new Map(), messages: [] };
          series.set(result.Id, entry);
        }
        const values = result.Values ?? [];
        (result.Timestamps ?? []).forEach((timestamp, index) => {
          const value = values[index];
          if (value !== undefined) entry.values.set(new Date(timestamp).getTime(), value);
        });
        // The last page's status is the query's; PartialData on earlier pages only means "more to come".
        entry.status = result.StatusCode;
        entry.messages.push(...(result.Messages ?? []).map((message) => [message.Code, message.Value].filter(Boolean).join(' ')));
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
  }

  private answer(plan: RequestPlan, series: ReadonlyMap<string, Series>): Observation {
    if (plan.error !== undefined) return { ok: false, error: plan.error };
    if (plan.units.length === 0) return { ok: true, periods: [] };
    const own = [...plan.targets];
    for (const [id, target] of own) {
      const entry = series.get(id);
      if (entry?.status === 'InternalError' || entry?.status === 'Forbidden') {
        const what = describeTarget(target.value);
        return { ok: false, error: `${entry.status}: ${target.arm} ${what} (${id})${entry.messages.length > 0 ? `: ${entry.messages.join('; ')}` : ''}` };
      }
    }
    const periods: Period[] = [];
    for (let start = plan.start; start < plan.end; start += this.periodMs) {
      const arm = (which: Arm): ArmStats => {
        const counts: Record<BuiltIn, number | undefined> = { invocations: 0, errors: 0, throttles: 0, p50: undefined, p90: undefined, p99: undefined };
        const custom: Record<string, number> = {};
        const slowShare: Record<string, number | undefined> = {};
        for (const [id, target] of own) {
          if (target.arm !== which || target.value === undefined) continue;
          const value = series.get(id)?.values.get(start);
          if ('slow' in target.value) slowShare[target.value.slow] = value;
          if (value === undefined) continue;
          if ('builtIn' in target.value) counts[target.value.builtIn] = value;
          else if ('custom' in target.value) custom[target.value.custom] = value;
        }
        const invocations = counts.invocations ?? 0;
        // No invocations: none slow. Invocations without a rank: unknown, so that name is left out.
        const slowEntries = Object.entries(slowShare).flatMap(([name, share]): [string, number][] =>
          invocations === 0 ? [[name, 0]] : share === undefined ? [] : [[name, Math.min(invocations, Math.round((share / 100) * invocations))]],
        );
        // A percentile of no invocations is no measurement.
        const percentile = (value: number | undefined) => (invocations > 0 ? value : undefined);
        return {
          invocations,
          errors: counts.errors ?? 0,
          throttles: counts.throttles ?? 0,
          p50: percentile(counts.p50),
          p90: percentile(counts.p90),
          p99: percentile(counts.p99),
          ...(slowEntries.length > 0 ? { slow: Object.fromEntries(slowEntries) } : {}),
          ...(Object.keys(custom).length > 0 ? { custom } : {}),
        };
      };
      periods.push({ start, end: start + this.periodMs, canary: arm('canary'), baseline: arm('baseline') });
    }
    return { ok: true, periods };
  }
}
