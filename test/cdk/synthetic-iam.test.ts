/** Synthetic evidence's grants: the evaluator invokes the managed functions' versions and the named hook functions, nothing else. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReleaseGate } from '../../cdk/release-gate.js';
import { releaseGatePropsFromContext } from '../../cdk/app-context.js';
import { resolveReleaseGateProps } from '../../cdk/release-gate-props.js';
import { allStatements, asArray, fastApp, functionArnJson, logicalId, statementsAllowing, statementsOfRole, synthGate, type GateSynth, type PolicyStatementJson } from './support.js';

const HOOK_ARN = 'arn:aws:lambda:eu-west-1:210987654321:function:shared-smoke';

let synth: GateSynth;
let evaluator: PolicyStatementJson[];
let api: PolicyStatementJson[];

beforeAll(() => {
  synth = synthGate({ managedFunctions: ['checkout', 'orders'], hookFunctions: ['checkout-smoke', HOOK_ARN] });
  const gate = synth.stack.releaseGate;
  evaluator = statementsOfRole(synth.template, logicalId(gate.evaluatorFunction.role!));
  api = statementsOfRole(synth.template, logicalId(gate.apiFunction.role!));
});

describe('lambda:InvokeFunction for synthetic evidence', () => {
  it('grants the evaluator InvokeFunction on the managed functions\' versions, never their unqualified ARNs', () => {
    const invoking = statementsAllowing(evaluator, 'lambda:InvokeFunction');
    expect(invoking).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [functionArnJson('checkout', ':*'), functionArnJson('orders', ':*')] },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [functionArnJson('checkout-smoke'), HOOK_ARN] },
    ]);
  });

  it('keeps the alias grants as they were', () => {
    expect(statementsAllowing(evaluator, 'lambda:UpdateAlias')).toEqual([
      { Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias'], Resource: [functionArnJson('checkout'), functionArnJson('checkout', ':*'), functionArnJson('orders'), functionArnJson('orders', ':*')] },
    ]);
  });

  it('gives the API no InvokeFunction: it never runs hooks or probes', () => {
    expect(statementsAllowing(api, 'lambda:InvokeFunction')).toEqual([]);
  });

  it('has no InvokeFunction statement on "*" anywhere, nor lambda:Invoke* wildcards', () => {
    const statements = allStatements(synth.template);
    for (const statement of statements) {
      const actions = asArray(statement.Action);
      expect(actions.filter((action) => /^lambda:Invoke.*\*|^lambda:\*$|^\*$/.test(action))).toEqual([]);
      if (actions.includes('lambda:InvokeFunction')) expect(asArray(statement.Resource)).not.toContain('*');
    }
    expect(statementsAllowing(statements, 'lambda:InvokeFunction').length).toBe(2);
  });

  it('adds the versions of a function managed later', () => {
    const stack = new Stack(fastApp(), 'Later');
    const gate = new ReleaseGate(stack, 'Gate', { managedFunctions: ['checkout'] });
    gate.manage(lambda.Function.fromFunctionName(stack, 'Payments', 'payments'));
    const statements = statementsOfRole(Template.fromStack(stack), logicalId(gate.evaluatorFunction.role!));
    expect(statementsAllowing(statements, 'lambda:InvokeFunction')).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [functionArnJson('checkout', ':*'), functionArnJson('payments', ':*')] },
    ]);
  });

  it('refuses a hook that is neither a function name nor an unqualified function ARN, and a hook named twice', () => {
    expect(() => resolveReleaseGateProps({ managedFunctions: ['checkout'], hookFunctions: ['smoke:live'] })).toThrow(/hookFunctions: 'smoke:live' is not a Lambda function name/);
    expect(() => resolveReleaseGateProps({ managedFunctions: ['checkout'], hookFunctions: ['*'] })).toThrow(/hookFunctions/);
    expect(() => resolveReleaseGateProps({ managedFunctions: ['checkout'], hookFunctions: ['smoke', 'smoke'] })).toThrow(/twice/);
  });

  it('takes hookFunctions from the app context, as managedFunctions', () => {
    const context = (values: Record<string, unknown>) => (key: string) => values[key];
    expect(releaseGatePropsFromContext(context({ hookFunctions: 'checkout-smoke, orders-smoke' })).hookFunctions).toEqual(['checkout-smoke', 'orders-smoke']);
    expect(releaseGatePropsFromContext(context({}))).not.toHaveProperty('hookFunctions');
  });
});
