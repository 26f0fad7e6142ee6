import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  PreconditionFailedException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  paginateListVersionsByFunction,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, checkoutConfig, loadConfig, startHarness, type Harness } from './support.js';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:checkout';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.stop());

describe('GetAlias and UpdateAlias', () => {
  it('reads the alias, shifts weighted routing with its RevisionId and reads the shift back', async () => {
    const before = await h.lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }));
    expect(before).toMatchObject({ AliasArn: `${ARN}:live`, Name: 'live', FunctionVersion: '1' });
    expect(before.RoutingConfig).toBeUndefined();

    const updated = await h.lambda.send(new UpdateAliasCommand({
      FunctionName: 'checkout', Name: 'live', FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } }, RevisionId: before.RevisionId,
    }));
    expect(updated.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 });
    expect(updated.RevisionId).not.toBe(before.RevisionId);

    const after = await h.lambda.send(new GetAliasCommand({ FunctionName: ARN, Name: 'live' }));
    expect(after).toMatchObject({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } }, RevisionId: updated.RevisionId });
  });

  it('refuses a stale RevisionId with PreconditionFailedException (412) and leaves the alias alone', async () => {
    const { RevisionId } = await h.lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }));
    await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '2', RevisionId }));
    const stale = h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '3', RevisionId }));
    await expect(stale).rejects.toBeInstanceOf(PreconditionFailedException);
    await expect(stale).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    expect((await h.lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }))).FunctionVersion).toBe('2');
  });

  it('keeps routing when RoutingConfig is omitted and clears it with empty weights, as Lambda does', async () => {
    await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '3': 0.5 } } }));
    const kept = await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', Description: 'still routed' }));
    expect(kept.RoutingConfig?.AdditionalVersionWeights).toEqual({ '3': 0.5 });
    const promoted = await h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '3', RoutingConfig: { AdditionalVersionWeights: {} } }));
    expect(promoted.FunctionVersion).toBe('3');
    expect(promoted.RoutingConfig).toBeUndefined();
  });

  it.each([
    ['a weight above 1', { '2': 1.5 }],
    ['two additional versions', { '2': 0.1, '3': 0.1 }],
    ['the primary version as additional', { '1': 0.1 }],
    ['$LATEST as additional', { $LATEST: 0.1 }],
  ])('refuses %s with InvalidParameterValueException', async (_name, weights) => {
    const update = h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', RoutingConfig: { AdditionalVersionWeights: weights } }));
    await expect(update).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('answers ResourceNotFoundException for an unknown alias, function, routed version or account', async () => {
    const calls = [
      () => h.lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'canary' })),
      () => h.lambda.send(new GetAliasCommand({ FunctionName: 'payments', Name: 'live' })),
      () => h.lambda.send(new GetAliasCommand({ FunctionName: 'arn:aws:lambda:us-east-1:999999999999:function:checkout', Name: 'live' })),
      () => h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '9': 0.1 } } })),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('weighted routing rules', () => {
  it('refuses to route between versions with different roles or dead-letter queues', async () => {
    await h.stop();
    h = await startHarness({
      config: await loadConfig(checkoutConfig({
        2: { role: 'arn:aws:iam::123456789012:role/other-role' },
        3: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:checkout-dlq' },
      })),
    });
    for (const version of ['2', '3']) {
      const update = h.lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { [version]: 0.1 } } }));
      await expect(update).rejects.toThrow(/same (execution role|dead-letter queue)/);
    }
    const v3 = await h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout', Qualifier: '3' }));
    expect(v3.DeadLetterConfig).toEqual({ TargetArn: 'arn:aws:sqs:us-east-1:123456789012:checkout-dlq' });
  });
});

describe('GetFunctionConfiguration', () => {
  const sha = (file: string) => createHash('sha256').update(readFileSync(resolve(REPO_ROOT, file))).digest('base64');

  it.each(['1', '2', '3', '4'])('describes version %s with the CodeSha256 of its handler file', async (version) => {
    const config = await h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout', Qualifier: version }));
    expect(config).toMatchObject({
      FunctionName: 'checkout',
      FunctionArn: `${ARN}:${version}`,
      Version: version,
      CodeSha256: sha(`functions/demo/checkout/v${version}.ts`),
      Role: 'arn:aws:iam::123456789012:role/checkout-role',
      Runtime: 'nodejs20.x',
      Handler: `functions/demo/checkout/v${version}.handler`,
      State: 'Active',
    });
    expect(config.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });

  it('resolves $LATEST (the newest code), an alias, and a qualified ARN', async () => {
    const latest = await h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout', Qualifier: '$LATEST' }));
    expect(latest).toMatchObject({ Version: '$LATEST', CodeSha256: sha('functions/demo/checkout/v4.ts') });
    const unqualified = await h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout' }));
    expect(unqualified.Version).toBe('$LATEST');
    const live = await h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout', Qualifier: 'live' }));
    expect(live.Version).toBe('1');
    const byArn = await h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${ARN}:3` }));
    expect(byArn.Version).toBe('3');
  });

  it('answers ResourceNotFoundException for an unknown version and refuses two qualifiers that differ', async () => {
    await expect(h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout', Qualifier: '9' })))
      .rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${ARN}:2`, Qualifier: '3' })))
      .rejects.toBeInstanceOf(InvalidParameterValueException);
  });
});

describe('ListVersionsByFunction', () => {
  it('pages with Marker and MaxItems through $LATEST and every version', async () => {
    const first = await h.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'checkout', MaxItems: 2 }));
    expect(first.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1']);
    expect(first.NextMarker).toBeDefined();

    const pages: string[][] = [];
    for await (const page of paginateListVersionsByFunction({ client: h.lambda, pageSize: 2 }, { FunctionName: ARN })) {
      pages.push((page.Versions ?? []).map((v) => v.Version ?? '?'));
    }
    expect(pages).toEqual([['$LATEST', '1'], ['2', '3'], ['4']]);
  });

  it('refuses a marker it never gave out', async () => {
    await expect(h.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'checkout', Marker: 'bogus' })))
      .rejects.toBeInstanceOf(InvalidParameterValueException);
  });
});
