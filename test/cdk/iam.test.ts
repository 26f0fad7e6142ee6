/** Least privilege: what each function may do, on which resources, and nothing on `*` but metrics. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES, type TableName } from '../../lib/aws/table-schemas.js';
import { ReleaseGate } from '../../cdk/release-gate.js';
import { INDEX_ACTIONS, TABLE_READ_ACTIONS, TABLE_WRITE_ACTIONS } from '../../cdk/table-grants.js';
import {
  allStatements,
  asArray,
  functionArnJson,
  logicalId,
  resourcesOf,
  fastApp,
  statementsAllowing,
  statementsOfRole,
  synthGate,
  type GateSynth,
  type PolicyStatementJson,
} from './support.js';

let synth: GateSynth;
let api: PolicyStatementJson[];
let evaluator: PolicyStatementJson[];

beforeAll(() => {
  synth = synthGate({ managedFunctions: ['checkout', 'orders'] });
  const gate = synth.stack.releaseGate;
  api = statementsOfRole(synth.template, logicalId(gate.apiFunction.role!));
  evaluator = statementsOfRole(synth.template, logicalId(gate.evaluatorFunction.role!));
});

const managedArns = (...names: string[]) => names.flatMap((name) => [functionArnJson(name), functionArnJson(name, ':*')]);
const tableArn = (synthResult: GateSynth, name: TableName) => ({ 'Fn::GetAtt': [logicalId(synthResult.stack.releaseGate.tables[name]), 'Arn'] });

describe('Lambda alias control', () => {
  it('grants the API GetAlias, UpdateAlias and GetFunctionConfiguration on the managed functions and their qualified ARNs only', () => {
    const statements = api.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('lambda:')));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetFunctionConfiguration'], Resource: managedArns('checkout', 'orders') },
    ]);
  });

  it('grants the evaluator GetAlias and UpdateAlias on the same ARNs (it never validates versions), and InvokeFunction on their versions for probes', () => {
    const statements = evaluator.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('lambda:')));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias'], Resource: managedArns('checkout', 'orders') },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [functionArnJson('checkout', ':*'), functionArnJson('orders', ':*')] },
    ]);
  });

  it('has no lambda:* anywhere and no Lambda action on "*"', () => {
    for (const statement of allStatements(synth.template)) {
      const actions = asArray(statement.Action);
      expect(actions.filter((action) => /^lambda:\*$|^\*$|^lambda:.*\*/.test(action))).toEqual([]);
      if (actions.some((action) => action.startsWith('lambda:'))) expect(asArray(statement.Resource)).not.toContain('*');
    }
    expect(statementsAllowing(allStatements(synth.template), 'lambda:UpdateAlias').flatMap((statement) => asArray(statement.Resource))).not.toContain('*');
  });

  it('adds a function with manage(): its ARN and qualified ARNs, for both functions', () => {
    const app = fastApp();
    const stack = new Stack(app, 'Managed');
    const gate = new ReleaseGate(stack, 'Gate', { managedFunctions: ['checkout'] });
    const payments = lambda.Function.fromFunctionName(stack, 'Payments', 'payments');
    gate.manage(payments);
    gate.manageFunctionName('refunds');
    const template = Template.fromStack(stack);
    for (const fn of [gate.apiFunction, gate.evaluatorFunction]) {
      const resources = resourcesOf(statementsAllowing(statementsOfRole(template, logicalId(fn.role!)), 'lambda:UpdateAlias'));
      expect(resources).toEqual(managedArns('checkout', 'payments', 'refunds'));
    }
  });

  it('refuses a version or an alias in manage()', () => {
    const app = fastApp();
    const stack = new Stack(app, 'Refuse');
    const gate = new ReleaseGate(stack, 'Gate', { managedFunctions: ['checkout'] });
    const fn = lambda.Function.fromFunctionName(stack, 'Orders', 'orders');
    const version = lambda.Version.fromVersionAttributes(stack, 'V', { lambda: fn, version: '3' });
    const alias = lambda.Alias.fromAliasAttributes(stack, 'A', { aliasName: 'live', aliasVersion: version });
    expect(() => gate.manage(version)).toThrow("manage() takes a function, not a version or alias: pass its 'lambda' (Refuse/V)");
    expect(() => gate.manage(alias)).toThrow("manage() takes a function, not a version or alias: pass its 'lambda' (Refuse/A)");
  });
});

describe('CloudWatch metrics', () => {
  it('grants cloudwatch:GetMetricData on "*" (no resource-level permissions) to the evaluator only', () => {
    expect(statementsAllowing(evaluator, 'cloudwatch:GetMetricData')).toEqual([{ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' }]);
    expect(statementsAllowing(api, 'cloudwatch:GetMetricData')).toEqual([]);
  });

  it('grants nothing else on "*"', () => {
    const onStar = allStatements(synth.template).filter((statement) => statement.Effect === 'Allow' && asArray(statement.Resource).includes('*'));
    expect(onStar.flatMap((statement) => asArray(statement.Action))).toEqual(['cloudwatch:GetMetricData']);
  });
});

describe('DynamoDB', () => {
  const readWrite = [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS];
  const tablesReached = (statements: PolicyStatementJson[]) =>
    (Object.keys(TABLES) as TableName[]).filter((name) => JSON.stringify(resourcesOf(statements)).includes(`"${logicalId(synth.stack.releaseGate.tables[name])}"`));

  it('lets the API read and write all four tables, and query the releases indexes by name', () => {
    for (const name of Object.keys(TABLES) as TableName[]) {
      expect(api).toContainEqual({ Effect: 'Allow', Action: readWrite, Resource: tableArn(synth, name) });
    }
    expect(api).toContainEqual({
      Effect: 'Allow',
      Action: [...INDEX_ACTIONS],
      Resource: TABLES.releases.indexes.map((index) => ({ 'Fn::Join': ['', [tableArn(synth, 'releases'), `/index/${index.name}`]] })),
    });
  });

  it('lets the evaluator reach releases and flags only: nothing on tokens or idempotency', () => {
    expect(tablesReached(evaluator)).toEqual(['releases', 'flags']);
    expect(evaluator).toContainEqual({ Effect: 'Allow', Action: readWrite, Resource: tableArn(synth, 'releases') });
    expect(evaluator).toContainEqual({ Effect: 'Allow', Action: readWrite, Resource: tableArn(synth, 'flags') });
  });

  it('grants no table-level, stream or wildcard DynamoDB action', () => {
    const actions = allStatements(synth.template).flatMap((statement) => asArray(statement.Action)).filter((action) => action.startsWith('dynamodb:'));
    expect(new Set(actions)).toEqual(new Set(readWrite));
  });
});

describe('SNS and Secrets Manager', () => {
  it('lets both functions publish to the topic and use its key for that', () => {
    const gate = synth.stack.releaseGate;
    for (const statements of [api, evaluator]) {
      expect(statements).toContainEqual({ Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: logicalId(gate.topic) } });
      expect(statements).toContainEqual({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [logicalId(gate.topic.masterKey!), 'Arn'] } });
    }
  });

  it('lets only the API read the admin token secret', () => {
    const secret = { Ref: logicalId(synth.stack.releaseGate.adminTokenSecret) };
    expect(statementsAllowing(api, 'secretsmanager:GetSecretValue').map((statement) => statement.Resource)).toEqual([secret]);
    expect(statementsAllowing(evaluator, 'secretsmanager:GetSecretValue')).toEqual([]);
  });

  it('uses no AWS managed policy: each role writes only to its own log group', () => {
    for (const role of Object.values(synth.template.findResources('AWS::IAM::Role'))) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const gate = synth.stack.releaseGate;
    expect(statementsAllowing(api, 'logs:PutLogEvents').map((statement) => statement.Resource)).toEqual([{ 'Fn::GetAtt': [logicalId(gate.apiFunction.logGroup), 'Arn'] }]);
    expect(statementsAllowing(evaluator, 'logs:PutLogEvents').map((statement) => statement.Resource)).toEqual([
      { 'Fn::GetAtt': [logicalId(gate.evaluatorFunction.logGroup), 'Arn'] },
    ]);
  });
});
