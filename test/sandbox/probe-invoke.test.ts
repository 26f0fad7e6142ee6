/** Paired probes against the sandbox: Invoke by version qualifier runs that version's handler, through the gate's own adapter. */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaInvoker } from '../../lib/aws/lambda-invoker.js';
import type { LambdaHandler } from '../../lib/sandbox/handler-runner.js';
import { functionInvokerContract } from '../contracts/function-invoker.contract.js';
import { checkoutConfig, decode, encode, fakeHandlers, loadConfig, seededRandom, startHarness, type Harness } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const stable: LambdaHandler = (event) => Promise.resolve({ version: '1', total: (event as { items: number[] }).items.reduce((a, b) => a + b, 0) });
const broken: LambdaHandler = () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'total')"));

describe('Invoke by version qualifier', () => {
  it('runs version N and N-1 each with its own behaviour, whatever the alias routes', async () => {
    // The alias would send everything to version 1; a qualified invoke ignores it.
    h = await startHarness({ random: seededRandom(3), loadHandler: fakeHandlers({ 1: stable, 2: broken }) });
    const event = { items: [3, 4] };
    const [older, newer] = await Promise.all(['1', '2'].map((Qualifier) => h!.lambda.send(new InvokeCommand({ FunctionName: 'checkout', Qualifier, Payload: encode(event) }))));
    expect(older).toMatchObject({ StatusCode: 200, ExecutedVersion: '1' });
    expect(older!.FunctionError).toBeUndefined();
    expect(decode(older!.Payload)).toEqual({ version: '1', total: 7 });
    expect(newer).toMatchObject({ StatusCode: 200, ExecutedVersion: '2', FunctionError: 'Unhandled' });
    expect(decode(newer!.Payload)).toMatchObject({ errorType: 'TypeError', errorMessage: "Cannot read properties of undefined (reading 'total')" });
  });

  it('answers the gate\'s LambdaInvoker as Lambda would: a pass for N-1, a function error for N', async () => {
    h = await startHarness({ loadHandler: fakeHandlers({ 1: stable, 2: broken }) });
    const invoker = new LambdaInvoker({ client: h.lambda });
    const event = { items: [1, 2, 3] };
    expect(await invoker.invoke('checkout', '1', event)).toMatchObject({ ok: true, payload: { version: '1', total: 6 } });
    expect(await invoker.invoke('checkout', '2', event)).toMatchObject({ ok: false, functionError: 'Unhandled', payload: { errorType: 'TypeError' } });
  });

  it('abandons an invoke that outlasts its timeout, so a hung version cannot hold the evaluator', async () => {
    const config = await loadConfig(checkoutConfig({ 2: { timeoutSeconds: 1 } }));
    h = await startHarness({ config, loadHandler: fakeHandlers({ 1: stable, 2: () => new Promise(() => undefined) }) });
    const invoker = new LambdaInvoker({ client: h.lambda, timeoutMs: 100 });
    const started = performance.now();
    await expect(invoker.invoke('checkout', '2', {})).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - started).toBeLessThan(900);
  });

  it('runs the real demo modules by version: v1 answers every cart', async () => {
    h = await startHarness();
    const invoker = new LambdaInvoker({ client: h.lambda });
    const answers = await Promise.all(Array.from({ length: 5 }, (_, index) => invoker.invoke('checkout', '1', { cartId: `probe-${index}` })));
    expect(answers.map((answer) => answer.ok)).toEqual([true, true, true, true, true]);
  });
});

functionInvokerContract('LambdaInvoker over the sandbox', async () => {
  const harness = await startHarness({
    loadHandler: fakeHandlers({ 1: (event) => Promise.resolve({ version: '1', event }), 2: () => Promise.reject(new Error('boom')) }),
  });
  return { invoker: new LambdaInvoker({ client: harness.lambda }), stop: () => harness.stop() };
});
