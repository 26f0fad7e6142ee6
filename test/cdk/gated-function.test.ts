/** GatedFunction and the example app (cdk/examples/gated-checkout.ts). */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { GatedCheckoutStack } from '../../cdk/examples/gated-checkout.js';
import { GatedFunction, type GatedFunctionProps } from '../../cdk/gated-function.js';
import { ReleaseGate } from '../../cdk/release-gate.js';
import { logicalId, resourcesOf, fastApp, statementsAllowing, statementsOfRole } from './support.js';

let stack: GatedCheckoutStack;
let template: Template;

beforeAll(() => {
  stack = new GatedCheckoutStack(fastApp(), 'GatedCheckout');
  template = Template.fromStack(stack);
});

describe('the example app', () => {
  it('creates the live alias on version 1, after the version this deploy publishes', () => {
    const checkout = stack.checkout;
    const alias = template.toJSON().Resources[logicalId(checkout.alias)];
    expect(alias.Properties).toMatchObject({ Name: 'live', FunctionVersion: '1', FunctionName: { Ref: logicalId(checkout.function) } });
    expect(alias.Properties.RoutingConfig).toBeUndefined();
    expect(alias.DependsOn).toContain(logicalId(checkout.candidateVersion));
  });

  it('retains published versions, so the alias can stay on (or return to) an older one', () => {
    const version = template.toJSON().Resources[logicalId(stack.checkout.candidateVersion)];
    expect(version).toMatchObject({ Type: 'AWS::Lambda::Version', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasOutput('CandidateVersion', { Value: { 'Fn::GetAtt': [logicalId(stack.checkout.candidateVersion), 'Version'] } });
  });

  it('grants the gate alias control on this function and its qualified ARNs only', () => {
    const arn = { 'Fn::GetAtt': [logicalId(stack.checkout.function), 'Arn'] };
    const qualified = { 'Fn::Join': ['', [arn, ':*']] };
    for (const fn of [stack.gate.apiFunction, stack.gate.evaluatorFunction]) {
      expect(resourcesOf(statementsAllowing(statementsOfRole(template, logicalId(fn.role!)), 'lambda:UpdateAlias'))).toEqual([arn, qualified]);
    }
  });

  it("leaves no cdk-nag finding on the gate's resources (the function's ARN is acknowledged as a GetAtt)", () => {
    const onGate = new AwsSolutionsChecks()
      .validateScope(stack)
      .violations.filter((violation) => violation.violatingResources.some((resource) => (resource.constructPath ?? '').startsWith(`${stack.gate.node.path}/`)));
    expect(onGate).toEqual([]);
  });
});

describe('GatedFunction props', () => {
  const setup = () => {
    const stack = new Stack(fastApp(), 'Props');
    const gate = new ReleaseGate(stack, 'Gate');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
    return { stack, gate, fn };
  };

  it('takes a configurable alias name and stable version', () => {
    const { stack, gate, fn } = setup();
    const gated = new GatedFunction(stack, 'Gated', { lambdaFunction: fn, releaseGate: gate, aliasName: 'prod', stableVersion: '12' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Alias', { Name: 'prod', FunctionVersion: '12' });
    expect(gated.alias.aliasName).toBe('prod');
  });

  it.each([
    [{ aliasName: '123' }, "aliasName must be 1 to 128 letters, digits, hyphens or underscores and not only digits, got '123'"],
    [{ aliasName: 'live:1' }, "aliasName must be 1 to 128 letters, digits, hyphens or underscores and not only digits, got 'live:1'"],
    [{ stableVersion: '$LATEST' }, "stableVersion must be a published version number such as '1', got '$LATEST'"],
    [{ stableVersion: '0' }, "stableVersion must be a published version number such as '1', got '0'"],
  ] as [Partial<GatedFunctionProps>, string][])('%j → %s', (props, message) => {
    const { stack, gate, fn } = setup();
    expect(() => new GatedFunction(stack, 'Gated', { lambdaFunction: fn, releaseGate: gate, ...props })).toThrow(new Error(message));
  });
});
