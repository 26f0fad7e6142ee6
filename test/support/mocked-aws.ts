import { CloudWatchClient, CloudWatchServiceException, GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, PreconditionFailedException, ResourceNotFoundException, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchMetricsSource } from '../../lib/aws/cloudwatch-metrics-source.js';
import { LambdaAliasRouter } from '../../lib/aws/lambda-alias-router.js';
import type { Clock } from '../../lib/ports.js';

export interface Behaviour {
  readonly requestsPerMinute: number;
  readonly errorRate: number;
  /** p99 latency in ms; p50 and p90 follow from it. */
  readonly p99: number;
}

/** `PR(T:)`, the percent of requests slower than T ms, read off the version's three percentiles. */
function slowerShare(behaviour: Behaviour, stat: string): number | undefined {
  const objective = /^PR\((\d+(?:\.\d+)?):\)$/.exec(stat)?.[1];
  if (objective === undefined) return undefined;
  const threshold = Number(objective);
  return threshold < behaviour.p99 / 3 ? 50 : threshold < behaviour.p99 / 1.5 ? 10 : threshold < behaviour.p99 ? 1 : 0;
}

const HEALTHY: Behaviour = { requestsPerMinute: 1000, errorRate: 0.005, p99: 300 };
const notFound = (message: string) => new ResourceNotFoundException({ message, $metadata: {} });

interface AliasState {
  functionVersion: string;
  weights: Record<string, number>;
  revisionId: string;
}

/**
 * Lambda and CloudWatch as aws-sdk-client-mock answers them: aliases with revision ids and weighted
 * routing, version configurations, and GetMetricData computed from how each alias routed over time
 * and how each version behaves. The production adapters run on top unchanged.
 */
export class MockedAws {
  readonly lambda = new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  readonly cloudwatch = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  readonly lambdaMock = mockClient(this.lambda);
  readonly cloudwatchMock = mockClient(this.cloudwatch);
  readonly router: LambdaAliasRouter;
  readonly metrics: CloudWatchMetricsSource;
  readonly behaviour = new Map<string, Behaviour>();
  /** Versions that exist, with the configuration Lambda reports. */
  readonly versions = new Map<string, { role: string; codeSha256: string }>();
  private readonly aliases = new Map<string, AliasState>();
  private readonly history: { at: number; alias: string; state: AliasState }[] = [];
  private revision = 0;
  /** While set, GetMetricData fails as CloudWatch does in an outage. */
  cloudwatchDown = false;
  /** Fails the next UpdateAlias calls with this error. */
  failUpdates: { count: number; error: Error } = { count: 0, error: new Error() };
  /** Fails the next GetAlias calls with this error. */
  failReads: { count: number; error: Error } = { count: 0, error: new Error() };

  constructor(private readonly clock: Clock) {
    this.router = new LambdaAliasRouter({ client: this.lambda });
    this.metrics = new CloudWatchMetricsSource({ client: this.cloudwatch, periodSeconds: 60, settleSeconds: 60 });
    for (const version of ['1', '2', '3']) this.versions.set(`checkout:${version}`, { role: 'arn:aws:iam::1:role/checkout', codeSha256: `sha-${version}` });
    this.setAlias('checkout', 'live', '1');
    this.lambdaMock.on(GetAliasCommand).callsFake((input: { FunctionName: string; Name: string }) => {
      if (this.failReads.count > 0) {
        this.failReads.count -= 1;
        throw this.failReads.error;
      }
      const alias = this.aliases.get(`${input.FunctionName}:${input.Name}`);
      if (alias === undefined) throw notFound(`Alias not found: ${input.FunctionName}:${input.Name}`);
      return { FunctionVersion: alias.functionVersion, RoutingConfig: { AdditionalVersionWeights: { ...alias.weights } }, RevisionId: alias.revisionId, Name: input.Name };
    });
    this.lambdaMock.on(UpdateAliasCommand).callsFake((input: { FunctionName: string; Name: string; FunctionVersion: string; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> }; RevisionId?: string }) => {
      if (this.failUpdates.count > 0) {
        this.failUpdates.count -= 1;
        throw this.failUpdates.error;
      }
      const key = `${input.FunctionName}:${input.Name}`;
      const current = this.aliases.get(key);
      if (current === undefined) throw notFound(`Alias not found: ${key}`);
      if (input.RevisionId !== undefined && input.RevisionId !== current.revisionId) {
        throw new PreconditionFailedException({ message: 'The Revision Id provided does not match the latest Revision Id.', $metadata: {} });
      }
      this.record(key, { functionVersion: input.FunctionVersion, weights: { ...input.RoutingConfig?.AdditionalVersionWeights }, revisionId: `rev-${(this.revision += 1)}` });
      return {};
    });
    this.lambdaMock.on(GetFunctionConfigurationCommand).callsFake((input: { FunctionName: string; Qualifier?: string }) => {
      const config = this.versions.get(`${input.FunctionName}:${input.Qualifier}`);
      if (config === undefined) throw notFound(`Function not found: ${input.FunctionName}:${input.Qualifier}`);
      return { FunctionName: input.FunctionName, Version: input.Qualifier, Role: config.role, CodeSha256: config.codeSha256 };
    });
    this.cloudwatchMock.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[]; StartTime: Date; EndTime: Date }) => {
      if (this.cloudwatchDown) throw new CloudWatchServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503, attempts: 3 }, message: 'Service Unavailable' });
      return { MetricDataResults: input.MetricDataQueries.flatMap((query) => this.answer(query, input.StartTime.getTime(), input.EndTime.getTime())) };
    });
  }

  /** Sets an alias directly, as the console or another tool would. */
  setAlias(functionName: string, alias: string, version: string, weights: Record<string, number> = {}): void {
    this.record(`${functionName}:${alias}`, { functionVersion: version, weights, revisionId: `rev-${(this.revision += 1)}` });
  }

  aliasOf(functionName: string, alias: string): AliasState | undefined {
    return this.aliases.get(`${functionName}:${alias}`);
  }

  get updateCalls(): number {
    return this.lambdaMock.commandCalls(UpdateAliasCommand).length;
  }

  private record(key: string, state: AliasState): void {
    this.aliases.set(key, state);
    this.history.push({ at: this.clock.now(), alias: key, state });
  }

  /** The share of an alias's traffic a version had when a period began. */
  private shareAt(alias: string, version: string, at: number): number {
    const state = this.history.filter((entry) => entry.alias === alias && entry.at <= at).at(-1)?.state;
    if (state === undefined) return 0;
    const extra = Object.values(state.weights).reduce((sum, weight) => sum + weight, 0);
    if (state.functionVersion === version) return 1 - extra;
    return state.weights[version] ?? 0;
  }

  private answer(query: MetricDataQuery, start: number, end: number): MetricDataResult[] {
    const stat = query.MetricStat;
    if (stat === undefined) return [{ Id: query.Id, StatusCode: 'Complete', Timestamps: [], Values: [] }];
    const dimension = (name: string) => stat.Metric?.Dimensions?.find((entry) => entry.Name === name)?.Value ?? '';
    const alias = dimension('Resource');
    const version = dimension('ExecutedVersion');
    const behaviour = this.behaviour.get(version) ?? HEALTHY;
    const periodMs = (stat.Period ?? 60) * 1000;
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (let at = start; at + periodMs <= end; at += periodMs) {
      const invocations = Math.round(behaviour.requestsPerMinute * (periodMs / 60_000) * this.shareAt(alias, version, at));
      // CloudWatch omits periods without datapoints.
      if (invocations === 0) continue;
      const value = { Invocations: invocations, Errors: Math.round(invocations * behaviour.errorRate), Throttles: 0 }[stat.Metric?.MetricName ?? ''];
      const percentile = { p50: behaviour.p99 / 3, p90: behaviour.p99 / 1.5, p99: behaviour.p99 }[stat.Stat ?? ''] ?? slowerShare(behaviour, stat.Stat ?? '');
      timestamps.push(new Date(at));
      values.push(stat.Metric?.MetricName === 'Duration' ? (percentile ?? 0) : (value ?? 0));
    }
    return [{ Id: query.Id, StatusCode: 'Complete', Timestamps: timestamps, Values: values }];
  }
}
