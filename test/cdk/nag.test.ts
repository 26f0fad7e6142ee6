/**
 * cdk-nag's AWS Solutions pack on the stack. cdk-nag 3 is a CDK policy-validation plugin, not an
 * aspect: findings are violations in a report (and fail `cdk synth`), not annotations, so the test
 * runs the pack on the construct tree and also synthesizes with the plugin registered, as cdk/app.ts does.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReleaseGateStack } from '../../cdk/release-gate-stack.js';
import { fastApp } from './support.js';

let stack: ReleaseGateStack;
let synthError: unknown;

beforeAll(() => {
  const app = fastApp();
  stack = new ReleaseGateStack(app, 'Gate', { releaseGate: { managedFunctions: ['checkout', 'orders'], notificationEmails: ['oncall@example.com'] } });
  // As cdk/app.ts does: an unacknowledged finding makes synth throw.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
});

const violations = (scope: IConstruct) => new AwsSolutionsChecks().validateScope(scope).violations.map((violation) => ({
  rule: violation.ruleName,
  severity: violation.severity,
  at: violation.violatingResources.map((resource) => resource.constructPath),
}));

/** Every acknowledgement in the tree: rule id → the reasons given for it. */
function acknowledgements(scope: IConstruct): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const node of scope.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) found.set(id, [...(found.get(id) ?? []), reason]);
    }
  }
  return found;
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning on the stack', () => {
    expect(violations(stack)).toEqual([]);
  });

  it('acknowledges only these findings, each with a reason', () => {
    const acknowledged = acknowledgements(stack);
    // CDK stores them namespaced ('Annotation::'), which cdk-nag strips when it matches findings.
    const ids = [...acknowledged.keys()].map((id) => id.replace(/^annotation::/i, '')).sort();
    const qualified = (name: string) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:${name}:*]`;
    expect(ids).toEqual(
      ['AwsSolutions-APIG4', 'AwsSolutions-IAM5[Resource::*]', qualified('checkout'), qualified('orders'), 'AwsSolutions-L1', 'AwsSolutions-SMG4', 'AwsSolutions-SQS3'].sort(),
    );
    for (const reasons of acknowledged.values()) for (const reason of reasons) expect(reason.length).toBeGreaterThan(60);
  });

  it('stays clean in a stack with a concrete account and region (ARNs as plain strings)', () => {
    const pinned = new ReleaseGateStack(fastApp(), 'Pinned', { env: { account: '123456789012', region: 'eu-west-1' }, releaseGate: { managedFunctions: ['checkout'] } });
    expect(violations(pinned)).toEqual([]);
  });

  it('passes synth with the pack registered as a validation plugin', () => {
    expect(synthError).toBeUndefined();
  });

  it('is not vacuous: the same pack flags a queue without SSL or a dead-letter queue', () => {
    const control = new Stack(fastApp(), 'Control');
    new sqs.Queue(control, 'Plain');
    expect(violations(control).map((violation) => violation.rule)).toEqual(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']);
  });
});
