import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  LambdaClient,
  LambdaServiceException,
  PreconditionFailedException,
  ResourceConflictException,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
  UpdateAliasCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaAliasRouter, toFraction, toPercent } from '../../lib/aws/lambda-alias-router.js';
import { DependencyUnavailableError, DriftError, NotFoundError, VersionRejectedError } from '../../lib/errors.js';

const lambda = mockClient(LambdaClient);
const client = new LambdaClient({ region: 'eu-west-1' });
afterEach(() => lambda.reset());

const $metadata = {};
/** As the SDK hands them over once its retries are spent: with the status and the attempts it made. */
const spent = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'c0ffee00-0000-4000-8000-000000000000', attempts: 3, totalRetryDelay: 1800 } });
const unavailable = {
  ThrottlingException: () => new LambdaServiceException({ name: 'ThrottlingException', $fault: 'client', ...spent(429), message: 'Rate exceeded' }),
  TooManyRequestsException: () => new TooManyRequestsException({ ...spent(429), message: 'Rate exceeded', Type: 'User', Reason: 'CallerRateLimitExceeded' }),
  ServiceException: () => new ServiceException({ ...spent(500), message: 'internal failure' }),
  'a 503 without a modelled error': () => new LambdaServiceException({ name: 'ServiceUnavailableException', $fault: 'server', ...spent(503), message: 'Service Unavailable' }),
  TimeoutError: () => Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError', $metadata: { attempts: 3 } }),
  ECONNRESET: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: { attempts: 3 } }),
  // Not retried by the SDK (a 409): the function is busy for a while.
  ResourceConflictException: () => new ResourceConflictException({ ...spent(409), message: 'The operation cannot be performed at this time. An update is in progress for resource' }),
} as const;
const notFound = () => new ResourceNotFoundException({ $metadata, message: 'Cannot find alias arn:aws:lambda:eu-west-1:123456789012:function:checkout:live' });
const preconditionFailed = () => new PreconditionFailedException({ $metadata, message: 'The Revision Id provided does not match the latest Revision Id' });

function aliasConfig(functionVersion: string, weights?: Record<string, number>, revisionId = 'rev-1'): AliasConfiguration {
  return { Name: 'live', FunctionVersion: functionVersion, RevisionId: revisionId, ...(weights ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}) };
}

function newRouter() {
  return { router: new LambdaAliasRouter({ client }) };
}

/** The command names sent, in order. */
const sent = () => lambda.calls().map((call) => (call.args[0] as object).constructor.name);
const updateInput = (index = 0) => lambda.commandCalls(UpdateAliasCommand)[index]?.args[0].input;

describe('percent ↔ fraction', () => {
  it.each([
    [1, 0.01],
    [7, 0.07],
    [10, 0.1],
    [33.3333333, 0.333333],
    [0.0001, 0.000001],
    [99.99, 0.9999],
  ])('%d%% is %d of the traffic', (percent, fraction) => {
    expect(toFraction(percent)).toBe(fraction);
  });

  it('round-trips every whole and tenth percent exactly', () => {
    for (let tenths = 0; tenths <= 1000; tenths++) expect(toPercent(toFraction(tenths / 10))).toBe(tenths / 10);
  });
});

describe('read', () => {
  it.each([
    ['no routing config', aliasConfig('1'), { functionVersion: '1' }],
    ['an empty routing config', aliasConfig('1', {}), { functionVersion: '1' }],
    ['10% on version 2', aliasConfig('1', { '2': 0.1 }), { functionVersion: '1', additionalVersion: '2', additionalWeight: 10 }],
    ['1% on version 2', aliasConfig('1', { '2': 0.01 }), { functionVersion: '1', additionalVersion: '2', additionalWeight: 1 }],
    ['7% without float dust', aliasConfig('4', { '5': 0.07 }), { functionVersion: '4', additionalVersion: '5', additionalWeight: 7 }],
  ])('%s', async (_name, answer, routing) => {
    lambda.on(GetAliasCommand).resolves(answer);
    const { router } = newRouter();
    await expect(router.read('checkout', 'live')).resolves.toStrictEqual(routing);
    expect(lambda.commandCalls(GetAliasCommand)[0]?.args[0].input).toEqual({ FunctionName: 'checkout', Name: 'live' });
  });

  it.each([
    ['read', (router: LambdaAliasRouter) => router.read('checkout', 'live')],
    ['shift', (router: LambdaAliasRouter) => router.shift('checkout', 'live', '1', '2', 10)],
    ['promote', (router: LambdaAliasRouter) => router.promote('checkout', 'live', '2')],
  ])('%s of a missing alias is a NotFoundError naming it', async (_name, act) => {
    lambda.on(GetAliasCommand).rejects(notFound());
    const error = await act(newRouter().router).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ record: 'alias checkout:live', message: 'alias checkout:live not found' });
    expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('rollback of a missing alias is a NotFoundError naming it', async () => {
    lambda.on(UpdateAliasCommand).rejects(notFound());
    await expect(newRouter().router.rollback('checkout', 'live', '1')).rejects.toMatchObject({ name: 'NotFoundError', record: 'alias checkout:live' });
  });
});

describe('shift', () => {
  it.each([
    [10, { '2': 0.1 }, { functionVersion: '1', additionalVersion: '2', additionalWeight: 10 }],
    [1, { '2': 0.01 }, { functionVersion: '1', additionalVersion: '2', additionalWeight: 1 }],
    [50, { '2': 0.5 }, { functionVersion: '1', additionalVersion: '2', additionalWeight: 50 }],
    [0, {}, { functionVersion: '1' }],
  ])('%d%% writes stable as FunctionVersion, weights %o and the revision it read, then reads back', async (weight, weights, routing) => {
    lambda
      .on(GetAliasCommand)
      .resolvesOnce(aliasConfig('1', { '2': 0.05 }, 'rev-7'))
      .resolvesOnce(aliasConfig('1', weights, 'rev-8'));
    lambda.on(UpdateAliasCommand).resolves({});
    const result = await newRouter().router.shift('checkout', 'live', '1', '2', weight);
    expect(result).toStrictEqual(routing);
    expect(sent()).toEqual(['GetAliasCommand', 'UpdateAliasCommand', 'GetAliasCommand']);
    expect(updateInput()).toEqual({
      FunctionName: 'checkout',
      Name: 'live',
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: weights },
      RevisionId: 'rev-7',
    });
  });

  it.each([-1, 100, 150, Number.NaN])('refuses weight %d before calling Lambda', async (weight) => {
    await expect(newRouter().router.shift('checkout', 'live', '1', '2', weight)).rejects.toThrow(RangeError);
    expect(lambda.calls()).toHaveLength(0);
  });

  it('a concurrent change (PreconditionFailedException) is drift with both routings, not an overwrite', async () => {
    lambda
      .on(GetAliasCommand)
      .resolvesOnce(aliasConfig('1', { '2': 0.01 }, 'rev-7'))
      // Someone promoted version 3 between our read and our write.
      .resolvesOnce(aliasConfig('3', undefined, 'rev-9'));
    lambda.on(UpdateAliasCommand).rejects(preconditionFailed());
    const error = await newRouter().router.shift('checkout', 'live', '1', '2', 10).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DriftError);
    expect(error).toMatchObject({
      functionName: 'checkout',
      alias: 'live',
      expected: { functionVersion: '1', additionalVersion: '2', additionalWeight: 10 },
      actual: { functionVersion: '3' },
    });
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(1);
  });

  it('a PreconditionFailedException after the alias already routes as intended is not drift (the SDK retried a call that had landed)', async () => {
    lambda
      .on(GetAliasCommand)
      .resolvesOnce(aliasConfig('1', { '2': 0.01 }, 'rev-7'))
      .resolvesOnce(aliasConfig('1', { '2': 0.1 }, 'rev-8'));
    lambda.on(UpdateAliasCommand).rejectsOnce(preconditionFailed());
    await expect(newRouter().router.shift('checkout', 'live', '1', '2', 10)).resolves.toStrictEqual({
      functionVersion: '1',
      additionalVersion: '2',
      additionalWeight: 10,
    });
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(1);
  });

  it.each([
    ['another weight', aliasConfig('1', { '2': 0.05 }), { functionVersion: '1', additionalVersion: '2', additionalWeight: 5 }],
    ['another version', aliasConfig('1', { '3': 0.1 }), { functionVersion: '1', additionalVersion: '3', additionalWeight: 10 }],
    ['another primary', aliasConfig('4', { '2': 0.1 }), { functionVersion: '4', additionalVersion: '2', additionalWeight: 10 }],
    ['no routing', aliasConfig('1'), { functionVersion: '1' }],
  ])('a read-back with %s is drift', async (_name, readBack, actual) => {
    lambda.on(GetAliasCommand).resolvesOnce(aliasConfig('1', undefined, 'rev-7')).resolvesOnce(readBack);
    lambda.on(UpdateAliasCommand).resolves({});
    const error = await newRouter().router.shift('checkout', 'live', '1', '2', 10).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DriftError);
    expect(error).toMatchObject({ expected: { functionVersion: '1', additionalVersion: '2', additionalWeight: 10 }, actual });
  });
});

describe('promote and rollback', () => {
  it('promote points the alias at the version alone, guarded by the revision it read', async () => {
    lambda.on(GetAliasCommand).resolvesOnce(aliasConfig('1', { '2': 0.5 }, 'rev-3')).resolvesOnce(aliasConfig('2', {}, 'rev-4'));
    lambda.on(UpdateAliasCommand).resolves({});
    await expect(newRouter().router.promote('checkout', 'live', '2')).resolves.toStrictEqual({ functionVersion: '2' });
    expect(updateInput()).toEqual({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: 'rev-3' });
  });

  it('promote whose read-back still routes weight is drift', async () => {
    lambda.on(GetAliasCommand).resolvesOnce(aliasConfig('1', { '2': 0.5 })).resolvesOnce(aliasConfig('2', { '3': 0.1 }));
    lambda.on(UpdateAliasCommand).resolves({});
    await expect(newRouter().router.promote('checkout', 'live', '2')).rejects.toMatchObject({
      name: 'DriftError',
      expected: { functionVersion: '2' },
      actual: { functionVersion: '2', additionalVersion: '3', additionalWeight: 10 },
    });
  });

  it('rollback writes stable alone with no RevisionId and no read first, then reads back', async () => {
    lambda.on(GetAliasCommand).resolves(aliasConfig('1', {}, 'rev-5'));
    lambda.on(UpdateAliasCommand).resolves({});
    await expect(newRouter().router.rollback('checkout', 'live', '1')).resolves.toStrictEqual({ functionVersion: '1' });
    expect(sent()).toEqual(['UpdateAliasCommand', 'GetAliasCommand']);
    const input = updateInput();
    expect(input).toEqual({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: {} } });
    expect(input?.RevisionId).toBeUndefined();
  });

  it('rollback whose read-back shows another version is drift', async () => {
    lambda.on(GetAliasCommand).resolves(aliasConfig('2'));
    lambda.on(UpdateAliasCommand).resolves({});
    await expect(newRouter().router.rollback('checkout', 'live', '1')).rejects.toMatchObject({ name: 'DriftError', expected: { functionVersion: '1' }, actual: { functionVersion: '2' } });
  });
});

describe('an unavailable Lambda', () => {
  const kinds = Object.keys(unavailable) as (keyof typeof unavailable)[];

  it.each(kinds)('UpdateAlias failing with %s is sent once and becomes DependencyUnavailableError, cause kept', async (kind) => {
    const sdkError = unavailable[kind]();
    lambda.on(GetAliasCommand).resolves(aliasConfig('1'));
    lambda.on(UpdateAliasCommand).rejects(sdkError);
    const error = await newRouter().router.rollback('checkout', 'live', '1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ dependency: 'lambda', operation: 'UpdateAlias checkout:live', attempts: 3 });
    expect((error as Error).cause).toBe(sdkError);
    expect((error as Error).message).toBe(`lambda UpdateAlias checkout:live is unavailable after 3 attempts: ${sdkError.name}: ${sdkError.message}`);
    // The SDK client retries; the router adds no loop of its own.
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(1);
  });

  it.each(kinds)('GetAlias failing with %s is translated too', async (kind) => {
    lambda.on(GetAliasCommand).rejects(unavailable[kind]());
    await expect(newRouter().router.read('checkout', 'live')).rejects.toMatchObject({ name: 'DependencyUnavailableError', operation: 'GetAlias checkout:live' });
    expect(lambda.commandCalls(GetAliasCommand)).toHaveLength(1);
  });

  it('GetFunctionConfiguration failing while a version is validated is translated, not taken for a missing version', async () => {
    lambda.on(GetFunctionConfigurationCommand).rejects(unavailable.TooManyRequestsException());
    await expect(newRouter().router.validateVersion({ functionName: 'checkout', version: '2', stableVersion: '1' })).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      dependency: 'lambda',
      operation: 'GetFunctionConfiguration checkout:2',
    });
  });

  it('leaves out the attempts when the error does not carry them', async () => {
    lambda.on(GetAliasCommand).rejects(new TooManyRequestsException({ $metadata: { httpStatusCode: 429 }, message: 'Rate exceeded' }));
    await expect(newRouter().router.read('checkout', 'live')).rejects.toMatchObject({
      attempts: undefined,
      message: 'lambda GetAlias checkout:live is unavailable: TooManyRequestsException: Rate exceeded',
    });
  });

  it.each([
    ['InvalidParameterValueException', () => new InvalidParameterValueException({ $metadata: { httpStatusCode: 400 }, message: 'weight out of range' })],
    ['a plain Error', () => new Error('bug')],
  ])('rethrows %s unchanged, sent once', async (_name, make) => {
    const sdkError = make();
    lambda.on(GetAliasCommand).resolves(aliasConfig('1'));
    lambda.on(UpdateAliasCommand).rejects(sdkError);
    await expect(newRouter().router.shift('checkout', 'live', '1', '2', 10)).rejects.toBe(sdkError);
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(1);
  });
});

describe('validateVersion', () => {
  const role = 'arn:aws:iam::123456789012:role/checkout';
  const dlq = 'arn:aws:sqs:eu-west-1:123456789012:checkout-dlq';
  const config = (version: string, extra: Partial<FunctionConfiguration> = {}): FunctionConfiguration => ({
    FunctionName: 'checkout',
    Version: version,
    CodeSha256: `sha-of-${version}`,
    Role: role,
    DeadLetterConfig: { TargetArn: dlq },
    ...extra,
  });
  const configurations = (candidate: FunctionConfiguration | Error, stable: FunctionConfiguration = config('1')) => {
    const candidateCall = lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'checkout', Qualifier: '2' });
    if (candidate instanceof Error) candidateCall.rejects(candidate);
    else candidateCall.resolves(candidate);
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'checkout', Qualifier: '1' }).resolves(stable);
  };

  it.each([
    {
      name: '$LATEST',
      check: { version: '$LATEST' },
      code: 'version_unpublished',
      message: /\$LATEST is not a published version: publish one/,
      calls: 0,
    },
    { name: 'the stable version', check: { version: '1' }, code: 'same_version', message: /checkout:1 is already the stable version/, calls: 0 },
    { name: 'a missing version', candidate: new ResourceNotFoundException({ $metadata, message: 'Function not found' }), code: 'version_not_found', message: /checkout has no version 2/, calls: 1 },
    { name: 'an alias name', candidate: config('7'), code: 'version_not_found', message: /names an alias at version 7/, calls: 1 },
    {
      name: 'another CodeSha256',
      check: { codeSha256: 'built-sha' },
      code: 'code_sha_mismatch',
      message: /has CodeSha256 sha-of-2 but built-sha was expected/,
      calls: 1,
    },
    {
      name: 'another execution role',
      candidate: config('2', { Role: 'arn:aws:iam::123456789012:role/other' }),
      code: 'incompatible_version',
      message: new RegExp(`execution role arn:aws:iam::123456789012:role/other \\(stable: ${role}\\)`),
      calls: 2,
    },
    {
      name: 'another dead-letter queue',
      candidate: config('2', { DeadLetterConfig: { TargetArn: 'arn:aws:sns:eu-west-1:123456789012:other' } }),
      code: 'incompatible_version',
      message: new RegExp(`dead-letter queue arn:aws:sns:eu-west-1:123456789012:other \\(stable: ${dlq}\\)`),
      calls: 2,
    },
    {
      name: 'no dead-letter queue where stable has one',
      candidate: config('2', { DeadLetterConfig: undefined }),
      code: 'incompatible_version',
      message: new RegExp(`dead-letter queue \\(none\\) \\(stable: ${dlq}\\)`),
      calls: 2,
    },
  ])('rejects $name as $code', async ({ check, candidate, code, message, calls }) => {
    configurations(candidate ?? config('2'));
    const error = await newRouter()
      .router.validateVersion({ functionName: 'checkout', version: '2', stableVersion: '1', ...check })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VersionRejectedError);
    expect(error).toMatchObject({ code, functionName: 'checkout' });
    expect((error as Error).message).toMatch(message);
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(calls);
  });

  it('names both settings when role and dead-letter queue differ', async () => {
    configurations(config('2', { Role: 'arn:aws:iam::123456789012:role/other', DeadLetterConfig: undefined }));
    await expect(newRouter().router.validateVersion({ functionName: 'checkout', version: '2', stableVersion: '1' })).rejects.toThrow(
      /execution role .*role\/other .* and dead-letter queue \(none\)/,
    );
  });

  it('accepts a published version with the expected code and the stable version’s role and dead-letter queue', async () => {
    configurations(config('2'));
    await expect(
      newRouter().router.validateVersion({ functionName: 'checkout', version: '2', stableVersion: '1', codeSha256: 'sha-of-2' }),
    ).resolves.toBeUndefined();
    const qualifiers = lambda.commandCalls(GetFunctionConfigurationCommand).map((call) => call.args[0].input);
    expect(qualifiers).toEqual([
      { FunctionName: 'checkout', Qualifier: '2' },
      { FunctionName: 'checkout', Qualifier: '1' },
    ]);
  });

  it('accepts a version with neither a dead-letter queue like its stable version', async () => {
    configurations(config('2', { DeadLetterConfig: undefined }), config('1', { DeadLetterConfig: undefined }));
    await expect(newRouter().router.validateVersion({ functionName: 'checkout', version: '2', stableVersion: '1' })).resolves.toBeUndefined();
  });

  it('a missing stable version is a NotFoundError, not a rejection of the new version', async () => {
    lambda.on(GetFunctionConfigurationCommand, { Qualifier: '2' }).resolves(config('2'));
    lambda.on(GetFunctionConfigurationCommand, { Qualifier: '1' }).rejects(notFound());
    await expect(newRouter().router.validateVersion({ functionName: 'checkout', version: '2', stableVersion: '1' })).rejects.toMatchObject({
      name: 'NotFoundError',
      record: 'version checkout:1',
    });
  });
});
