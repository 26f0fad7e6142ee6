/**
 * The deployable stack, synthesized once with the real esbuild bundling: tables, functions, the
 * HTTP API, the schedule and its dead-letter queue, notifications, alarms, dashboard, secret.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_ENV, TABLE_NAMES, TABLES } from '../../lib/aws/table-schemas.js';
import { GateConfigSchema } from '../../lib/wiring/config.js';
import { ESM_REQUIRE_BANNER } from '../../cdk/bundling.js';
import type { ReleaseGate } from '../../cdk/release-gate.js';
import { flattenJoin, logicalId, synthGate, type GateSynth } from './support.js';

let synth: GateSynth;
let template: Template;
let gate: ReleaseGate;

beforeAll(() => {
  synth = synthGate({ managedFunctions: ['checkout', 'orders'], notificationEmails: ['oncall@example.com'] }, { bundle: true });
  template = synth.template;
  gate = synth.stack.releaseGate;
}, 120_000);

const envOf = (fn: ReleaseGate['apiFunction']) =>
  (template.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables as Record<string, unknown>);

describe('CloudFormation', () => {
  it("passes CDK's built-in CloudFormation schema validation with no finding", () => {
    const report = JSON.parse(readFileSync(join(synth.app.synth().directory, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it('leaves every physical name to CloudFormation', () => {
    const named = ['AWS::DynamoDB::Table', 'AWS::Lambda::Function', 'AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup'].flatMap((type) =>
      Object.values(template.findResources(type)).filter((resource) => Object.keys(resource.Properties ?? {}).some((key) => /^(TableName|FunctionName|TopicName|QueueName|Name|LogGroupName)$/.test(key))),
    );
    expect(named).toEqual([]);
  });
});

describe('DynamoDB tables', () => {
  it('builds the four tables from lib/aws/table-schemas.ts, on-demand, with PITR, deletion protection and RETAIN', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', TABLE_NAMES.length);
    for (const name of TABLE_NAMES) {
      const schema = TABLES[name];
      const keySchema = [{ AttributeName: schema.partition.name, KeyType: 'HASH' }, ...(schema.sort ? [{ AttributeName: schema.sort.name, KeyType: 'RANGE' }] : [])];
      const table = template.toJSON().Resources[logicalId(gate.tables[name])];
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        KeySchema: keySchema,
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(table.Properties.TableName).toBeUndefined();
      const indexes = (table.Properties.GlobalSecondaryIndexes ?? []) as { IndexName: string; KeySchema: unknown }[];
      expect(indexes.map((index) => index.IndexName)).toEqual(schema.indexes.map((index) => index.name));
      for (const index of schema.indexes) {
        expect(indexes.find((candidate) => candidate.IndexName === index.name)?.KeySchema).toEqual([
          { AttributeName: index.partition.name, KeyType: 'HASH' },
          ...(index.sort ? [{ AttributeName: index.sort.name, KeyType: 'RANGE' }] : []),
        ]);
      }
    }
  });

  it('enables TTL on the idempotency table only, on its schema attribute', () => {
    const withTtl = Object.entries(template.findResources('AWS::DynamoDB::Table', { Properties: { TimeToLiveSpecification: Match.anyValue() } }));
    expect(withTtl.map(([id]) => id)).toEqual([logicalId(gate.tables.idempotency)]);
    expect(withTtl[0]![1].Properties.TimeToLiveSpecification).toEqual({ AttributeName: TABLES.idempotency.ttlAttribute, Enabled: true });
  });
});

describe('Lambda functions', () => {
  it('runs both on Node.js 22 on arm64, ESM-bundled, with their own log groups', () => {
    for (const [fn, logs] of [
      [gate.apiFunction, gate.apiFunction.logGroup],
      [gate.evaluatorFunction, gate.evaluatorFunction.logGroup],
    ] as const) {
      expect(template.toJSON().Resources[logicalId(fn)].Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: logicalId(logs) } },
      });
    }
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('sets exactly the environment lib/wiring/config.ts parses, plus Powertools and source maps', () => {
    const tables = Object.fromEntries(TABLE_NAMES.map((name) => [TABLE_ENV[name], { Ref: logicalId(gate.tables[name]) }]));
    const powertools = (service: string) => ({ POWERTOOLS_SERVICE_NAME: service, POWERTOOLS_LOG_LEVEL: 'INFO', NODE_OPTIONS: '--enable-source-maps' });
    const common = { ...tables, NOTIFY_TOPIC_ARN: { Ref: logicalId(gate.topic) }, EVALUATION_INTERVAL_SECONDS: '60' };
    expect(envOf(gate.apiFunction)).toEqual({ ...common, ADMIN_TOKEN_SECRET_ARN: { Ref: logicalId(gate.adminTokenSecret) }, ...powertools('release-gate-api') });
    expect(envOf(gate.evaluatorFunction)).toEqual({ ...common, ...powertools('release-gate-evaluator') });
    // Every gate variable is one the config schema knows.
    const known = Object.keys(GateConfigSchema.shape);
    for (const fn of [gate.apiFunction, gate.evaluatorFunction]) {
      const gateKeys = Object.keys(envOf(fn)).filter((key) => !key.startsWith('POWERTOOLS_') && key !== 'NODE_OPTIONS');
      expect(gateKeys.filter((key) => !known.includes(key))).toEqual([]);
    }
  });

  it('gives the API a timeout under the HTTP API limit and above the 25 s long poll', () => {
    const api = template.toJSON().Resources[logicalId(gate.apiFunction)].Properties;
    expect(api.Timeout).toBeGreaterThan(25);
    expect(api.Timeout).toBeLessThanOrEqual(29);
    expect(api.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('bounds the evaluator: reserved concurrency 2, a timeout of one interval', () => {
    const evaluator = template.toJSON().Resources[logicalId(gate.evaluatorFunction)].Properties;
    expect(evaluator.ReservedConcurrentExecutions).toBe(2);
    expect(evaluator.Timeout).toBe(60);
  });

  it('bundles each entry point with esbuild into a minified ESM index.mjs with the createRequire banner and a source map', () => {
    const assembly = synth.app.synth();
    for (const fn of [gate.apiFunction, gate.evaluatorFunction]) {
      const dir = join(assembly.directory, (fn.node.findChild('Code') as Asset).assetPath);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      // Minified: few, long lines, and the handler is an ESM export.
      expect(code.split('\n').length).toBeLessThan(code.length / 1000);
      expect(code).toMatch(/export\s*\{[^}]*as handler/);
    }
  });
});

describe('HTTP API', () => {
  it('sends every route to the API function through a Lambda proxy integration (payload 2.0)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(gate.apiFunction), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
  });

  it('logs access as JSON to a log group with retention, without headers, and throttles the stage', () => {
    const stage = template.findResources('AWS::ApiGatewayV2::Stage');
    const [properties] = Object.values(stage).map((resource) => resource.Properties);
    expect(properties).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    const format = JSON.parse(properties.AccessLogSettings.Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(Object.values(format).some((value) => /authorization|header/i.test(value))).toBe(false);
    const destination = properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string;
    expect(template.toJSON().Resources[destination]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 90 } });
  });
});

describe('evaluator schedule', () => {
  it('runs the evaluator every minute, with a dead-letter queue and retries bounded to one interval', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [logicalId(gate.evaluatorFunction), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(gate.deadLetterQueue), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(gate.evaluatorFunction) },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(gate.deadLetterQueue), 'Arn'] } } },
    });
  });

  it('encrypts the dead-letter queue, refuses plain HTTP and lets only this rule send to it', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(gate.schedule), 'Arn'] } } },
          }),
        ]),
      },
    });
  });
});

describe('notifications', () => {
  it('encrypts the topic with a rotating key that CloudWatch alarms may use, and enforces SSL', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationsKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }) }),
        ]),
      },
    });
  });

  it('subscribes the emails from the props', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: logicalId(gate.topic) } });
  });
});

describe('monitoring', () => {
  const alarmOf = (alarm: ReleaseGate['monitoring']['evaluatorErrors']) => template.toJSON().Resources[logicalId(alarm)].Properties;
  const topicRef = () => [{ Ref: logicalId(gate.topic) }];

  it('alarms on evaluator errors, to the topic', () => {
    expect(alarmOf(gate.monitoring.evaluatorErrors)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(gate.evaluatorFunction) } }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: topicRef(),
      OKActions: topicRef(),
    });
  });

  it('alarms on a stalled evaluator: fewer than 1 invocation in 5 minutes, missing data breaching', () => {
    expect(alarmOf(gate.monitoring.evaluatorStalled)).toMatchObject({
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(gate.evaluatorFunction) } }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
      AlarmActions: topicRef(),
    });
  });

  it('alarms on messages in the dead-letter queue', () => {
    expect(alarmOf(gate.monitoring.deadLetters)).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(gate.deadLetterQueue), 'QueueName'] } }],
      AlarmActions: topicRef(),
    });
  });

  it('draws a dashboard of evaluator and API metrics and of release activity from the logs', () => {
    const body = JSON.parse(flattenJoin(template.toJSON().Resources[logicalId(gate.monitoring.dashboard)].Properties.DashboardBody)) as {
      widgets: { type: string; properties: { metrics?: string[][]; query?: string } }[];
    };
    const metrics = body.widgets.flatMap((widget) => widget.properties.metrics ?? []).map((metric) => `${metric[0]}/${metric[1]}`);
    for (const metric of ['Invocations', 'Errors', 'Duration', 'Throttles']) expect(metrics).toContain(`AWS/Lambda/${metric}`);
    for (const metric of ['Count', '4xx', '5xx', 'Latency']) expect(metrics).toContain(`AWS/ApiGateway/${metric}`);
    const queries = body.widgets.filter((widget) => widget.type === 'log').map((widget) => widget.properties.query ?? '');
    for (const message of ['release rolled back', 'decided', 'release created', 'notice']) {
      expect(queries.some((query) => query.includes(`'${message}'`))).toBe(true);
    }
    // Only metrics AWS publishes: release activity comes from the logs, not from invented metrics.
    expect(metrics.every((metric) => /^AWS\/(Lambda|ApiGateway|SQS)\//.test(metric))).toBe(true);
  });
});

describe('bootstrap admin token', () => {
  it('generates {"id": <fixed 16 chars>, "secret": <43 letters and digits>} in Secrets Manager', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ id: 'bootstrapadmin00' }),
        GenerateStringKey: 'secret',
        PasswordLength: 43,
        ExcludePunctuation: true,
        IncludeSpace: false,
      },
    });
    expect(gate.settings.adminTokenId).toMatch(/^[a-z0-9]{16}$/);
  });

  it('outputs the secret ARN and a command that prints rg_<id>_<secret>', () => {
    template.hasOutput('AdminTokenSecretArn', { Value: { Ref: logicalId(gate.adminTokenSecret) } });
    const command = flattenJoin(template.findOutputs('AdminTokenCommand').AdminTokenCommand!.Value);
    expect(command).toBe(`aws secretsmanager get-secret-value --region <ref> --secret-id <ref> --query SecretString --output text | jq -r '"rg_\\(.id)_\\(.secret)"'`);
    for (const output of ['ApiUrl', 'NotifyTopicArn', 'ApiFunctionName', 'EvaluatorFunctionName', 'DashboardName', 'ReleasesTableName']) {
      expect(Object.keys(template.findOutputs(output))).toEqual([output]);
    }
  });
});
