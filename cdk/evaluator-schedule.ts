import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface EvaluatorScheduleProps {
  readonly evaluator: lambda.Function;
  /** Whole minutes (validated by the ReleaseGate props). */
  readonly interval: Duration;
}

/**
 * The evaluator's EventBridge schedule and one dead-letter queue for ticks that never ran, used
 * twice: as the rule target's DLQ (EventBridge could not deliver the event) and as the function's
 * on-failure destination (the invocation failed, or waited in the async queue past one interval,
 * for example behind reserved concurrency). The destination, unlike a function DLQ, records the
 * error with the event. A missed tick is worth nothing once the next one is due, so nothing is
 * retried past one interval.
 */
export class EvaluatorSchedule extends Construct {
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EvaluatorScheduleProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the evaluator schedule and of its async invocations; a queue behind it would only move the same messages again.',
    });
    props.evaluator.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: 0,
      maxEventAge: props.interval,
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Release Gate: evaluate due releases',
      schedule: events.Schedule.rate(props.interval),
      targets: [new targets.LambdaFunction(props.evaluator, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 2, maxEventAge: props.interval })],
    });
  }
}
