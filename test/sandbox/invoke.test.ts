import { InvokeCommand, TooManyRequestsException, UpdateAliasCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../lib/sandbox/handler-runner.js';
import { FakeClock, T0, checkoutConfig, decode, encode, fakeHandlers, loadConfig, seededRandom, startHarness, type Harness } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** A handler that answers with its version and the context it saw. */
const echo = (version: string): LambdaHandler => (event, context) => Promise.resolve({
  version,
  event,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  remaining: context.getRemainingTimeInMillis(),
});

const sumOf = async (harness: Harness, metric: string, dimensions: Record<string, string>) => {
  const answer = await harness.cloudwatch.send(new GetMetricDataCommand({
    StartTime: new Date(T0 - 60_000), EndTime: new Date(T0 + 60_000),
    MetricDataQueries: [{
      Id: 'q',
      MetricStat: {
        Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
        Period: 60, Stat: 'Sum',
      },
    }],
  }));
  return (answer.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0);
};

describe('Invoke through a weighted alias', () => {
  it('routes about 10% of 1,000 invocations to the additional version, per a seeded draw', async () => {
    h = await startHarness({ random: seededRandom(7), clock: new FakeClock(), loadHandler: fakeHandlers({ 1: echo('1'), 2: echo('2') }) });
    await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } }));
    // The world's own invoke path (what the route calls), so 1,000 draws stay fast; the wire is tested below.
    const world = h.sandbox.world;
    const results = await Promise.all(Array.from({ length: 1000 }, () => world.invoke('checkout', 'live', {})));
    const toV2 = results.filter((r) => r.executedVersion === '2').length;
    expect(toV2).toBeGreaterThan(70);
    expect(toV2).toBeLessThan(130);
    expect(await sumOf(h, 'Invocations', { FunctionName: 'checkout', Resource: 'checkout:live', ExecutedVersion: '2' })).toBe(toV2);
    expect(await sumOf(h, 'Invocations', { FunctionName: 'checkout', Resource: 'checkout:live', ExecutedVersion: '1' })).toBe(1000 - toV2);
  });

  it('says over the wire which version ran, in X-Amz-Executed-Version', async () => {
    h = await startHarness({ random: seededRandom(11), loadHandler: fakeHandlers({ 1: echo('1'), 2: echo('2') }) });
    const harness = h;
    await harness.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }));
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      harness.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier: 'live', Payload: encode({ i }) }))));
    for (const answer of answers) {
      const body = decode(answer.Payload) as { version: string; functionVersion: string };
      expect(answer.StatusCode).toBe(200);
      expect(answer.ExecutedVersion).toBe(body.version);
      expect(body.functionVersion).toBe(body.version);
    }
    expect(new Set(answers.map((a) => a.ExecutedVersion))).toEqual(new Set(['1', '2']));
  });

  it('gives the handler its event and a Lambda context', async () => {
    h = await startHarness({ loadHandler: fakeHandlers({ 1: echo('1') }) });
    const answer = await h.lambda.send(new InvokeCommand({
      FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:checkout:live', Payload: encode({ cartId: 'c-1' }),
    }));
    expect(decode(answer.Payload)).toMatchObject({
      event: { cartId: 'c-1' },
      functionVersion: '1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:checkout:live',
    });
    const { remaining } = decode(answer.Payload) as { remaining: number };
    expect(remaining).toBeGreaterThan(2_000);
    expect(remaining).toBeLessThanOrEqual(3_000);
  });

  it('answers ResourceNotFoundException for an unknown qualifier', async () => {
    h = await startHarness();
    await expect(h.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier: 'canary' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('function errors', () => {
  it.each([
    ['throws', (() => { throw new TypeError('card declined'); }) satisfies LambdaHandler],
    ['returns a rejected promise', (() => Promise.reject(new TypeError('card declined'))) satisfies LambdaHandler],
  ])('a handler that %s is an Unhandled function error and an Error of its version', async (_name, failing) => {
    h = await startHarness({ clock: new FakeClock(), loadHandler: fakeHandlers({ 1: echo('1'), 2: failing }) });
    await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 1 } } }));
    const answer = await h.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier: 'live' }));
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBe('Unhandled');
    expect(answer.ExecutedVersion).toBe('2');
    expect(decode(answer.Payload)).toMatchObject({ errorType: 'TypeError', errorMessage: 'card declined' });

    const v2 = { FunctionName: 'checkout', Resource: 'checkout:live', ExecutedVersion: '2' };
    expect(await sumOf(h, 'Errors', v2)).toBe(1);
    expect(await sumOf(h, 'Invocations', v2)).toBe(1);
    expect(await sumOf(h, 'Errors', { ...v2, ExecutedVersion: '1' })).toBe(0);
  });

  it('times a handler out after the version timeout, as an Unhandled error', async () => {
    const config = await loadConfig(checkoutConfig({ 1: { timeoutSeconds: 1 } }));
    h = await startHarness({ config, loadHandler: fakeHandlers({ 1: () => new Promise(() => undefined) }) });
    const answer = await h.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier: '1' }));
    expect(answer.FunctionError).toBe('Unhandled');
    const error = decode(answer.Payload) as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe('Sandbox.Timedout');
    expect(error.errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
    expect(h.sandbox.world.inFlight('checkout', '1')).toBe(0);
  });

  it('reports a module without a handler export as Runtime.HandlerNotFound', async () => {
    const config = await loadConfig(checkoutConfig({ 1: { handler: 'functions/demo/checkout/simulate.ts' } }));
    h = await startHarness({ config });
    const answer = await h.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier: '1' }));
    expect(answer.FunctionError).toBe('Unhandled');
    expect(decode(answer.Payload)).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
  });
});

describe('throttling', () => {
  it('throttles an invoke beyond reserved concurrency with 429, counted in Throttles and not in Invocations', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const config = await loadConfig(checkoutConfig({ 1: { reservedConcurrency: 2 } }));
    // One attempt: the SDK retries 429s by itself, and each retry would be throttled again.
    h = await startHarness({ config, clock: new FakeClock(), maxAttempts: 1, loadHandler: fakeHandlers({ 1: async () => gate }) });
    const harness = h;
    const running = [1, 2].map(() => harness.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier: 'live' })));
    await expect.poll(() => harness.sandbox.world.inFlight('checkout', '1')).toBe(2);

    const throttled = harness.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier: 'live' }));
    await expect(throttled).rejects.toBeInstanceOf(TooManyRequestsException);
    await expect(throttled).rejects.toMatchObject({ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', $metadata: { httpStatusCode: 429 } });

    release();
    expect((await Promise.all(running)).map((a) => a.FunctionError)).toEqual([undefined, undefined]);
    const v1 = { FunctionName: 'checkout', Resource: 'checkout:live', ExecutedVersion: '1' };
    expect(await sumOf(harness, 'Throttles', v1)).toBe(1);
    expect(await sumOf(harness, 'Invocations', v1)).toBe(2);
    expect(await sumOf(harness, 'Throttles', { FunctionName: 'checkout' })).toBe(1);
  });
});

describe('the real demo handlers', () => {
  it('runs checkout v3 from its module: about 5% of requests fail, each one an Error in the metrics', async () => {
    h = await startHarness({ clock: new FakeClock() });
    const harness = h;
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      harness.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier: '3', Payload: encode({ cartId: `cart-${i}` }) }))));
    const failed = answers.filter((a) => a.FunctionError === 'Unhandled');
    const confirmed = answers.filter((a) => a.FunctionError === undefined).map((a) => decode(a.Payload));
    // Binomial(200, 5%): 0 or 30+ failures has a probability below 1e-4.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(30);
    const error = decode(failed[0]?.Payload) as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe('Error');
    expect(error.errorMessage).toContain('payment provider');
    expect(confirmed[0]).toMatchObject({ status: 'confirmed', build: 'v3' });
    expect(answers.every((a) => a.ExecutedVersion === '3')).toBe(true);

    const v3 = { FunctionName: 'checkout', Resource: 'checkout:3' };
    expect(await sumOf(harness, 'Errors', v3)).toBe(failed.length);
    expect(await sumOf(harness, 'Invocations', v3)).toBe(200);
  });
});
