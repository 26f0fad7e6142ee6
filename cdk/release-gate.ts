import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_ENV, TABLE_NAMES, TABLES, type TableName } from '../lib/aws/table-schemas.js';
import { AdminToken } from './admin-token.js';
import { AliasControl } from './alias-control.js';
import { EvaluatorSchedule } from './evaluator-schedule.js';
import { GateFunction } from './gate-function.js';
import { GateHttpApi } from './gate-http-api.js';
import { GateMonitoring } from './gate-monitoring.js';
import { GateNotifications } from './gate-notifications.js';
import { GateTables } from './gate-tables.js';
import { resolveReleaseGateProps, validateFunctionName, type ReleaseGateProps, type ResolvedReleaseGateProps } from './release-gate-props.js';
import { grantTableData, type TableAccess } from './table-grants.js';

/** @public The construct's props and their parts, for CDK apps that build them. */
export type { ApiThrottle, GateLogLevel, ReleaseGateProps } from './release-gate-props.js';

/**
 * What each function calls on a managed function (lib/aws/lambda-alias-router.ts):
 * - the API starts releases (GetAlias; GetFunctionConfiguration to validate the version and its
 *   CodeSha256) and applies people's promotes and rollbacks (GetAlias, UpdateAlias);
 * - the evaluator reads, shifts, promotes and rolls back aliases (GetAlias, UpdateAlias) and
 *   never validates versions; for synthetic evidence it invokes the new and stable versions with
 *   probes (InvokeFunction on `<arn>:*` only, lib/engine/synthetic.ts) and the hook functions.
 */
export const API_LAMBDA_ACTIONS = ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetFunctionConfiguration'] as const;
export const EVALUATOR_LAMBDA_ACTIONS = ['lambda:GetAlias', 'lambda:UpdateAlias'] as const;
export const EVALUATOR_VERSION_ACTIONS = ['lambda:InvokeFunction'] as const;

/** Table access per function: the evaluator never touches tokens or idempotency keys. */
const API_TABLES: Readonly<Partial<Record<TableName, TableAccess>>> = { releases: 'readWrite', idempotency: 'readWrite', tokens: 'readWrite', flags: 'readWrite' };
const EVALUATOR_TABLES: Readonly<Partial<Record<TableName, TableAccess>>> = { releases: 'readWrite', flags: 'readWrite' };

/** Above the gate's 25 s long poll, below the HTTP API's 29 s integration timeout. */
const API_TIMEOUT = Duration.seconds(28);

/**
 * Release Gate in one construct: the DynamoDB tables, the gate API behind an HTTP API, the
 * evaluator on an EventBridge schedule with a dead-letter queue, the notifications topic, alarms,
 * a dashboard and the bootstrap admin token. Permissions on Lambda reach only the functions it
 * is told to manage, by name in the props or later through `manage()`.
 */
export class ReleaseGate extends Construct {
  /** The gate's base URL. */
  public readonly apiUrl: string;
  public readonly httpApi: apigwv2.HttpApi;
  public readonly tables: Readonly<Record<TableName, dynamodb.Table>>;
  public readonly topic: sns.Topic;
  public readonly apiFunction: NodejsFunction;
  public readonly evaluatorFunction: NodejsFunction;
  /** `{"id", "secret"}` of the bootstrap admin token `rg_<id>_<secret>`. */
  public readonly adminTokenSecret: secretsmanager.Secret;
  /** Prints the bootstrap admin token (AWS CLI and jq). */
  public readonly adminTokenCommand: string;
  /** Ticks that EventBridge could not deliver, or that failed or expired in Lambda's async queue. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly schedule: events.Rule;
  public readonly monitoring: GateMonitoring;
  /** The validated props, with their defaults. */
  public readonly settings: ResolvedReleaseGateProps;

  private readonly aliasControl: AliasControl;

  constructor(scope: Construct, id: string, props: ReleaseGateProps = {}) {
    super(scope, id);
    const settings = resolveReleaseGateProps(props);
    this.settings = settings;

    this.tables = new GateTables(this, 'Tables').tables;
    const notifications = new GateNotifications(this, 'Notifications', { emails: settings.notificationEmails });
    this.topic = notifications.topic;
    const adminToken = new AdminToken(this, 'AdminToken', { tokenId: settings.adminTokenId });
    this.adminTokenSecret = adminToken.secret;
    this.adminTokenCommand = adminToken.readCommand();

    const common = {
      ...Object.fromEntries(TABLE_NAMES.map((name) => [TABLE_ENV[name], this.tables[name].tableName])),
      NOTIFY_TOPIC_ARN: this.topic.topicArn,
      EVALUATION_INTERVAL_SECONDS: String(settings.evaluationInterval.toSeconds()),
    };
    const functionDefaults = { logRetention: settings.logRetention, logLevel: settings.logLevel };
    const api = new GateFunction(this, 'Api', {
      ...functionDefaults,
      entry: 'gate-api.ts',
      description: 'Release Gate API',
      serviceName: 'release-gate-api',
      environment: { ...common, ADMIN_TOKEN_SECRET_ARN: this.adminTokenSecret.secretArn },
      timeout: API_TIMEOUT,
      // Cold starts delay pipelines; more memory is more CPU for module initialisation.
      memorySize: 1024,
    });
    const evaluator = new GateFunction(this, 'Evaluator', {
      ...functionDefaults,
      entry: 'evaluator.ts',
      description: 'Release Gate evaluator: ticks every due release',
      serviceName: 'release-gate-evaluator',
      environment: common,
      // A tick ends before the next one is due (up to 5 minutes for long intervals).
      timeout: Duration.minutes(Math.min(settings.evaluationInterval.toMinutes(), 5)),
      memorySize: 512,
      // The engine is safe under overlap (conditional writes), but ticks must not pile up: one
      // running, one overlapping, and any further tick waits in the async queue.
      reservedConcurrentExecutions: settings.evaluatorConcurrency,
    });
    this.apiFunction = api.function;
    this.evaluatorFunction = evaluator.function;

    for (const name of TABLE_NAMES) {
      const apiAccess = API_TABLES[name];
      if (apiAccess) grantTableData(api.role, { table: this.tables[name], schema: TABLES[name], access: apiAccess });
      const evaluatorAccess = EVALUATOR_TABLES[name];
      if (evaluatorAccess) grantTableData(evaluator.role, { table: this.tables[name], schema: TABLES[name], access: evaluatorAccess });
    }
    notifications.grantPublish(api.role);
    notifications.grantPublish(evaluator.role);
    this.adminTokenSecret.grantRead(api.role);
    // In a policy of its own, so that the acknowledgement covers this statement and nothing else.
    const metricsRead = new iam.Policy(evaluator, 'MetricsRead', {
      roles: [evaluator.role],
      statements: [new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] })],
    });
    this.evaluatorFunction.node.addDependency(metricsRead);
    Validations.of(metricsRead).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData has no resource-level permissions: IAM only accepts Resource "*" for it. It is read-only, and it is the only action granted on "*".',
    });

    const schedule = new EvaluatorSchedule(this, 'Schedule', { evaluator: this.evaluatorFunction, interval: settings.evaluationInterval });
    this.schedule = schedule.rule;
    this.deadLetterQueue = schedule.deadLetterQueue;

    const httpApi = new GateHttpApi(this, 'Http', { handler: this.apiFunction, throttle: settings.apiThrottle, logRetention: settings.logRetention });
    this.httpApi = httpApi.api;
    this.apiUrl = httpApi.url;

    this.monitoring = new GateMonitoring(this, 'Monitoring', {
      evaluator: this.evaluatorFunction,
      apiFunction: this.apiFunction,
      api: this.httpApi,
      deadLetterQueue: this.deadLetterQueue,
      topic: this.topic,
      evaluationInterval: settings.evaluationInterval,
      logGroups: [api.logGroup, evaluator.logGroup],
    });

    this.acknowledgeRuntime([api, evaluator]);
    this.acknowledgeSecretRotation();
    this.aliasControl = new AliasControl(this, [
      { owner: api, actions: API_LAMBDA_ACTIONS },
      { owner: evaluator, actions: EVALUATOR_LAMBDA_ACTIONS, versionActions: EVALUATOR_VERSION_ACTIONS },
    ]);
    for (const name of settings.managedFunctions) this.aliasControl.add(this.functionArn(name));
    this.grantHookFunctions(evaluator, settings.hookFunctions);
    this.node.addValidation({
      validate: () => (this.aliasControl.size === 0 ? ['ReleaseGate manages no functions: pass managedFunctions or call manage() with at least one function'] : []),
    });
  }

  /**
   * Lets the gate read and shift the aliases of `fn`: grants on the function's ARN and on its
   * qualified ARNs (`<arn>:*`, its versions and aliases). Pass the function, not a version or alias.
   */
  manage(fn: lambda.IFunction): void {
    if (fn instanceof lambda.Version || fn instanceof lambda.Alias || 'aliasName' in fn || ('version' in fn && 'lambda' in fn)) {
      throw new Error(`manage() takes a function, not a version or alias: pass its 'lambda' (${fn.node.path})`);
    }
    this.aliasControl.add(fn.functionArn);
  }

  /** Adds a function by name, in this stack's account and region. */
  manageFunctionName(name: string): void {
    validateFunctionName(name, 'manageFunctionName');
    this.aliasControl.add(this.functionArn(name));
  }

  /** Hooks are invoked unqualified (lib/core/synthetic.ts), so each grant is one exact ARN: no wildcard to acknowledge. */
  private grantHookFunctions(evaluator: GateFunction, hookFunctions: readonly string[]): void {
    if (hookFunctions.length === 0) return;
    const resources = hookFunctions.map((hook) => (hook.startsWith('arn:') ? hook : this.functionArn(hook)));
    const policy = new iam.Policy(evaluator, 'HookFunctions', {
      roles: [evaluator.role],
      statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources })],
    });
    evaluator.function.node.addDependency(policy);
  }

  private functionArn(name: string): string {
    return Stack.of(this).formatArn({ service: 'lambda', resource: 'function', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  private acknowledgeRuntime(functions: readonly GateFunction[]): void {
    for (const fn of functions) {
      Validations.of(fn.function).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'Node.js 22 is the runtime Release Gate specifies, and the bundles target node22 (cdk/bundling.ts, shared with the cold-start benchmark). Node 22 is maintained until 2027-04-30; moving to Node 24 is a runtime upgrade to make on purpose (runtime, target, tests), not a lint fix.',
      });
    }
  }

  private acknowledgeSecretRotation(): void {
    Validations.of(this.adminTokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is a bearer token that pipelines and people hold; rotating it in Secrets Manager alone would lock them out until every client is updated. It is a break-glass token: create scoped tokens with it, and rotate it by hand (put-secret-value) with a client rollout.',
    });
  }
}
