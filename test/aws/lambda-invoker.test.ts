import { InvokeCommand, LambdaClient, type InvokeCommandOutput, LambdaServiceException, ResourceNotFoundException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { decodePayload, LambdaInvoker } from '../../lib/aws/lambda-invoker.js';
import { DependencyUnavailableError } from '../../lib/errors.js';

const lambda = mockClient(LambdaClient);
const client = new LambdaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
afterEach(() => lambda.reset());

/** Payload bytes; the SDK's type adds string helpers to its Uint8Array that the adapter does not use. */
const bytes = (text: string) => new TextEncoder().encode(text) as NonNullable<InvokeCommandOutput['Payload']>;
const encode = (value: unknown) => bytes(JSON.stringify(value));
/** As Lambda answers a synchronous invoke: always 200, a function's failure in FunctionError. */
const $metadata = { httpStatusCode: 200, requestId: '5f1c7e4a-0000-4000-8000-000000000000', attempts: 1, totalRetryDelay: 0 };

/** A stopwatch that moves 37 ms between the two reads of each invoke. */
function ticking() {
  let now = 1_000;
  return () => (now += 37);
}

describe('LambdaInvoker', () => {
  it('invokes the version by qualifier, with the event as the JSON payload, and parses the answer', async () => {
    lambda.on(InvokeCommand).resolves({ $metadata, StatusCode: 200, ExecutedVersion: '7', Payload: encode({ status: 'pass', checked: 3 }) });
    const answer = await new LambdaInvoker({ client, stopwatch: ticking() }).invoke('checkout', '7', { cartId: 'c-1' });
    expect(answer).toEqual({ ok: true, functionError: undefined, payload: { status: 'pass', checked: 3 }, durationMs: 37 });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'checkout', Qualifier: '7', InvocationType: 'RequestResponse' });
    expect(new TextDecoder().decode(input.Payload as Uint8Array)).toBe('{"cartId":"c-1"}');
  });

  it("reports a function's Unhandled error with Lambda's error payload", async () => {
    lambda.on(InvokeCommand).resolves({
      $metadata,
      StatusCode: 200,
      ExecutedVersion: '8',
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'TypeError', errorMessage: "Cannot read properties of undefined (reading 'total')", trace: ['TypeError: …', '    at Runtime.handler (/var/task/index.mjs:12:30)'] }),
    });
    const answer = await new LambdaInvoker({ client, stopwatch: ticking() }).invoke('checkout', '8', {});
    expect(answer).toMatchObject({ ok: false, functionError: 'Unhandled', payload: { errorType: 'TypeError' } });
  });

  it('invokes a hook function without a qualifier and takes an empty answer', async () => {
    lambda.on(InvokeCommand).resolves({ $metadata, StatusCode: 200, ExecutedVersion: '$LATEST', Payload: bytes('') });
    const answer = await new LambdaInvoker({ client, stopwatch: ticking() }).invoke('checkout-smoke', undefined, { phase: 'before' });
    expect(answer).toEqual({ ok: true, functionError: undefined, payload: undefined, durationMs: 37 });
    expect(lambda.commandCalls(InvokeCommand)[0]!.args[0].input.Qualifier).toBeUndefined();
  });

  it('turns a throttle that outlasted the SDK retries into DependencyUnavailableError', async () => {
    lambda.on(InvokeCommand).rejects(
      new TooManyRequestsException({ $metadata: { httpStatusCode: 429, attempts: 3 }, message: 'Rate Exceeded.', Type: 'User', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }),
    );
    await expect(new LambdaInvoker({ client }).invoke('checkout', '7', {})).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('passes other errors on as they are: a missing function is not a throttle', async () => {
    lambda.on(InvokeCommand).rejects(new ResourceNotFoundException({ $metadata: { httpStatusCode: 404 }, message: 'Function not found: arn:aws:lambda:eu-west-1:123456789012:function:checkout:9' }));
    await expect(new LambdaInvoker({ client }).invoke('checkout', '9', {})).rejects.toBeInstanceOf(ResourceNotFoundException);
    lambda.on(InvokeCommand).rejects(new LambdaServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'not authorized to perform: lambda:InvokeFunction' }));
    await expect(new LambdaInvoker({ client }).invoke('checkout-smoke', undefined, {})).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('decodePayload', () => {
  it('parses JSON, keeps other text and has nothing for no payload', () => {
    expect(decodePayload(encode([1, 2]))).toEqual([1, 2]);
    expect(decodePayload(bytes('plain words'))).toBe('plain words');
    expect(decodePayload(undefined)).toBeUndefined();
  });
});
