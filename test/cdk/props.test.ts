/** Props: exact messages for bad ones, a custom evaluation interval, and the app's context. */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MANAGED_FUNCTIONS, releaseGatePropsFromContext } from '../../cdk/app-context.js';
import { ReleaseGate, type ReleaseGateProps } from '../../cdk/release-gate.js';
import { logicalId, fastApp, synthGate, type GateSynth } from './support.js';

const construct = (props: ReleaseGateProps) => () => new ReleaseGate(new Stack(fastApp(), 'Bad'), 'Gate', props);

describe('rejected props', () => {
  it.each([
    [{ managedFunctions: [] }, 'managedFunctions is empty: name at least one function, or leave it out and call manage()'],
    [{ managedFunctions: ['check out'] }, "managedFunctions: 'check out' is not a Lambda function name (1 to 64 letters, digits, hyphens or underscores)"],
    [
      { managedFunctions: ['arn:aws:lambda:eu-west-1:123456789012:function:checkout'] },
      "managedFunctions: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout' is not a Lambda function name (1 to 64 letters, digits, hyphens or underscores)",
    ],
    [{ managedFunctions: ['x'.repeat(65)] }, `managedFunctions: '${'x'.repeat(65)}' is not a Lambda function name (1 to 64 letters, digits, hyphens or underscores)`],
    [{ managedFunctions: ['checkout', 'checkout'] }, "managedFunctions names 'checkout' twice"],
    [{ evaluationInterval: Duration.seconds(30) }, 'evaluationInterval must be at least 1 minute (EventBridge schedules run at most once a minute), got 30 seconds'],
    [{ evaluationInterval: Duration.seconds(90) }, 'evaluationInterval must be a whole number of minutes (EventBridge rate schedules count minutes), got 1 minute 30 seconds'],
    [{ evaluationInterval: Duration.hours(2) }, 'evaluationInterval must be at most 1 hour, got 2 hours'],
    [{ apiThrottle: { rateLimit: 0, burstLimit: 10 } }, 'apiThrottle.rateLimit must be a positive number, got 0'],
    [{ apiThrottle: { rateLimit: -5, burstLimit: 10 } }, 'apiThrottle.rateLimit must be a positive number, got -5'],
    [{ apiThrottle: { rateLimit: 10, burstLimit: 0 } }, 'apiThrottle.burstLimit must be a positive whole number, got 0'],
    [{ apiThrottle: { rateLimit: 10, burstLimit: 2.5 } }, 'apiThrottle.burstLimit must be a positive whole number, got 2.5'],
    [{ evaluatorConcurrency: 0 }, 'evaluatorConcurrency must be a positive whole number, got 0'],
    [{ notificationEmails: ['oncall'] }, "notificationEmails: 'oncall' is not an email address"],
    [{ adminTokenId: 'Admin' }, "adminTokenId must be 16 lowercase letters or digits, got 'Admin'"],
  ] as [ReleaseGateProps, string][])('%j → %s', (props, message) => {
    expect(construct({ managedFunctions: ['checkout'], ...props })).toThrow(new Error(message));
  });

  it('refuses to synthesize a gate that manages no function', () => {
    const app = fastApp();
    const stack = new Stack(app, 'Empty');
    new ReleaseGate(stack, 'Gate');
    expect(() => app.synth()).toThrow(/ReleaseGate manages no functions: pass managedFunctions or call manage\(\) with at least one function/);
  });

  it('rejects a bad name given to manageFunctionName()', () => {
    const gate = construct({ managedFunctions: ['checkout'] })();
    expect(() => gate.manageFunctionName('a:b')).toThrow("manageFunctionName: 'a:b' is not a Lambda function name (1 to 64 letters, digits, hyphens or underscores)");
  });
});

describe('a custom evaluation interval', () => {
  let synth: GateSynth;
  beforeAll(() => {
    synth = synthGate({ managedFunctions: ['checkout'], evaluationInterval: Duration.minutes(5), evaluatorConcurrency: 1, apiThrottle: { rateLimit: 5, burstLimit: 10 } });
  });

  it('schedules the evaluator at that rate and tells both functions the interval', () => {
    const gate = synth.stack.releaseGate;
    synth.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    const resources = synth.template.toJSON().Resources;
    for (const fn of [gate.apiFunction, gate.evaluatorFunction]) {
      expect(resources[logicalId(fn)].Properties.Environment.Variables.EVALUATION_INTERVAL_SECONDS).toBe('300');
    }
    expect(resources[logicalId(gate.evaluatorFunction)].Properties).toMatchObject({ Timeout: 300, ReservedConcurrentExecutions: 1 });
  });

  it('lets a missed tick expire after one interval and widens the stall alarm to two intervals', () => {
    const gate = synth.stack.releaseGate;
    synth.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 300 });
    synth.template.hasResourceProperties('AWS::Events::Rule', { Targets: [{ RetryPolicy: { MaximumEventAgeInSeconds: 300 } }] });
    expect(synth.template.toJSON().Resources[logicalId(gate.monitoring.evaluatorStalled)].Properties).toMatchObject({ MetricName: 'Invocations', Period: 600 });
  });

  it('throttles the API as asked', () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } });
  });
});

describe('the app context', () => {
  const context = (values: Record<string, unknown>) => (key: string) => values[key];

  it('defaults to the demo function', () => {
    expect(releaseGatePropsFromContext(context({}))).toEqual({ managedFunctions: [...DEFAULT_MANAGED_FUNCTIONS] });
    expect(DEFAULT_MANAGED_FUNCTIONS).toEqual(['checkout']);
  });

  it('reads comma-separated names (-c managedFunctions=checkout,orders) or a cdk.json array', () => {
    expect(releaseGatePropsFromContext(context({ managedFunctions: 'checkout, orders' })).managedFunctions).toEqual(['checkout', 'orders']);
    expect(releaseGatePropsFromContext(context({ managedFunctions: ['a', 'b'] })).managedFunctions).toEqual(['a', 'b']);
  });

  it('reads emails and the interval in minutes', () => {
    const props = releaseGatePropsFromContext(context({ notificationEmails: 'a@example.com,b@example.com', evaluationIntervalMinutes: '2' }));
    expect(props.notificationEmails).toEqual(['a@example.com', 'b@example.com']);
    expect(props.evaluationInterval?.toSeconds()).toBe(120);
  });

  it('rejects context it cannot read, naming the key', () => {
    expect(() => releaseGatePropsFromContext(context({ managedFunctions: 3 }))).toThrow('context managedFunctions must be a comma-separated string or an array of strings, got 3');
    expect(() => releaseGatePropsFromContext(context({ evaluationIntervalMinutes: 'soon' }))).toThrow('context evaluationIntervalMinutes must be a number, got "soon"');
  });

  it('builds a stack whose props the construct then validates', () => {
    const app = fastApp();
    const props = releaseGatePropsFromContext(context({ managedFunctions: 'checkout,bad name' }));
    expect(() => new ReleaseGate(new Stack(app, 'FromContext'), 'Gate', props)).toThrow("managedFunctions: 'bad name' is not a Lambda function name");
    const ok = new ReleaseGate(new Stack(app, 'Ok'), 'Gate', releaseGatePropsFromContext(context({})));
    expect(Template.fromStack(Stack.of(ok)).toJSON().Resources[logicalId(ok.schedule)].Properties.ScheduleExpression).toBe('rate(1 minute)');
  });
});
