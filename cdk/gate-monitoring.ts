import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface GateMonitoringProps {
  readonly evaluator: lambda.IFunction;
  readonly apiFunction: lambda.IFunction;
  readonly api: apigwv2.IHttpApi;
  readonly deadLetterQueue: sqs.IQueue;
  readonly topic: sns.ITopic;
  readonly evaluationInterval: Duration;
  /** The functions' log groups, for the Logs Insights widgets. */
  readonly logGroups: readonly logs.ILogGroup[];
}

/**
 * Alarms that page through the notifications topic, and a dashboard of release activity. The
 * release widgets query the functions' Powertools JSON logs ('decided', 'release rolled back',
 * 'release created', 'notice') with Logs Insights, so no metric is invented for them.
 */
export class GateMonitoring extends Construct {
  public readonly evaluatorErrors: cloudwatch.Alarm;
  public readonly evaluatorStalled: cloudwatch.Alarm;
  public readonly deadLetters: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: GateMonitoringProps) {
    super(scope, id);
    const fiveMinutes = Duration.minutes(5);
    // Per-release failures are logged and retried by the next tick; an invocation error means a
    // whole tick failed (configuration, DynamoDB), so one is worth a page.
    this.evaluatorErrors = new cloudwatch.Alarm(this, 'EvaluatorErrors', {
      alarmDescription: 'The Release Gate evaluator failed a whole tick: releases are not being judged or rolled back.',
      metric: props.evaluator.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // No invocation in the window (or no data at all) means the schedule stopped.
    const stallWindow = Duration.minutes(Math.max(5, 2 * props.evaluationInterval.toMinutes()));
    this.evaluatorStalled = new cloudwatch.Alarm(this, 'EvaluatorStalled', {
      alarmDescription: `The Release Gate evaluator has not run for ${stallWindow.toHumanString()}: no release is advancing or being rolled back automatically.`,
      metric: props.evaluator.metricInvocations({ period: stallWindow, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.deadLetters = new cloudwatch.Alarm(this, 'DeadLetters', {
      alarmDescription: 'Evaluator ticks that never ran or failed are waiting in the dead-letter queue.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const notify = new actions.SnsAction(props.topic);
    for (const alarm of [this.evaluatorErrors, this.evaluatorStalled, this.deadLetters]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(...this.widgets(props));
  }

  private widgets(props: GateMonitoringProps): cloudwatch.IWidget[] {
    const minute = Duration.minutes(1);
    const logGroupNames = props.logGroups.map((group) => group.logGroupName);
    const logQuery = (title: string, view: cloudwatch.LogQueryVisualizationType, lines: string[], width = 12) =>
      new cloudwatch.LogQueryWidget({ title, logGroupNames, view, queryLines: lines, width, height: 6 });
    return [
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [this.evaluatorErrors, this.evaluatorStalled, this.deadLetters],
        width: 24,
        height: 3,
      }),
      new cloudwatch.GraphWidget({
        title: 'Evaluator invocations, errors and throttles',
        left: [
          props.evaluator.metricInvocations({ period: minute }),
          props.evaluator.metricErrors({ period: minute }),
          props.evaluator.metricThrottles({ period: minute }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Evaluator duration (ms)',
        left: [
          props.evaluator.metricDuration({ period: minute, statistic: cloudwatch.Stats.p(50) }),
          props.evaluator.metricDuration({ period: minute, statistic: cloudwatch.Stats.p(99) }),
          props.evaluator.metricDuration({ period: minute, statistic: cloudwatch.Stats.MAXIMUM }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-lettered ticks',
        left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'API requests, 4xx and 5xx',
        left: [props.api.metricCount({ period: minute }), props.api.metricClientError({ period: minute }), props.api.metricServerError({ period: minute })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: [
          props.api.metricLatency({ period: minute, statistic: cloudwatch.Stats.p(50) }),
          props.api.metricLatency({ period: minute, statistic: cloudwatch.Stats.p(99) }),
          props.api.metricIntegrationLatency({ period: minute, statistic: cloudwatch.Stats.p(99) }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'API function errors and throttles',
        left: [props.apiFunction.metricErrors({ period: minute }), props.apiFunction.metricThrottles({ period: minute })],
        width: 8,
      }),
      logQuery('Rollbacks and aborts per hour (time to restore in ms)', cloudwatch.LogQueryVisualizationType.BAR, [
        "fields @timestamp, message, durationMs",
        "filter message in ['release rolled back', 'release aborted']",
        'stats count() as rollbacks, avg(durationMs) as avgRestoreMs, max(durationMs) as maxRestoreMs by bin(1h)',
      ]),
      logQuery('Gate decisions by action', cloudwatch.LogQueryVisualizationType.BAR, [
        'fields action',
        "filter message = 'decided'",
        'stats count() as decisions by action',
      ]),
      logQuery(
        'Recent decisions: why the gate decided what it decided',
        cloudwatch.LogQueryVisualizationType.TABLE,
        ['fields @timestamp, releaseId, action, weight, reason, explanation', "filter message = 'decided'", 'sort @timestamp desc', 'limit 50'],
        24,
      ),
      logQuery('Releases created', cloudwatch.LogQueryVisualizationType.TABLE, [
        'fields @timestamp, releaseId, function, alias, version, stableVersion',
        "filter message = 'release created'",
        'sort @timestamp desc',
        'limit 50',
      ]),
      logQuery('Notices (rollbacks, pauses, stuck rollbacks)', cloudwatch.LogQueryVisualizationType.TABLE, [
        'fields @timestamp, kind, releaseId',
        "filter message = 'notice'",
        'sort @timestamp desc',
        'limit 50',
      ]),
    ];
  }
}
