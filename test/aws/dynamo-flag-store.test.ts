import { DynamoDBClient, ThrottlingException, TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DynamoFlagStore } from '../../lib/aws/dynamo-flag-store.js';
import { ConflictError, DependencyUnavailableError } from '../../lib/errors.js';
import { flagStoreContract } from '../contracts/flag-store.contract.js';
import { freshTables } from '../support/dynamo.js';

flagStoreContract(
  'DynamoFlagStore on DynamoDB Local',
  async () => {
    const { doc, tables } = await freshTables();
    return new DynamoFlagStore(doc, tables.flags);
  },
  { propertyRuns: 8 },
);

describe('DynamoFlagStore item layout', () => {
  it('keeps heads in one partition and every version under its own, as documented', async () => {
    const { doc, tables } = await freshTables();
    const store = new DynamoFlagStore(doc, tables.flags);
    const at = '2026-11-23T10:00:00.000Z';
    await store.putCohort({ name: 'beta', rule: { in: [{ var: 'email' }, ['ana@example.com']] }, actor: 'ana', reason: 'testers', at });
    await store.putFlag({ key: 'new-checkout', definition: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' }, actor: 'ana', reason: 'create', at });
    await store.putFlag({ key: 'new-checkout', definition: { state: 'DISABLED', variants: { on: true }, defaultVariant: 'on' }, actor: 'bo', reason: 'kill', at });

    const heads = await doc.send(new QueryCommand({ TableName: tables.flags, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'SET' } }));
    expect(heads.Items?.map((item): unknown[] => [item.sk, item.version])).toEqual([
      ['COHORT#beta', 1],
      ['FLAG#new-checkout', 2],
      ['VERSION', 3],
    ]);
    const versions = await doc.send(new QueryCommand({ TableName: tables.flags, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'FLAG#new-checkout' } }));
    expect(versions.Items?.map((item): unknown[] => [item.sk, item.updatedBy, typeof item.definition])).toEqual([
      ['V#0000000001', 'ana', 'string'],
      ['V#0000000002', 'bo', 'string'],
    ]);
    const { Item } = await doc.send(new GetCommand({ TableName: tables.flags, Key: { pk: 'COHORT#beta', sk: 'V#0000000001' } }));
    expect(JSON.parse(String(Item?.rule))).toEqual({ in: [{ var: 'email' }, ['ana@example.com']] });
  });

  it('rethrows errors that are not lost conditions unchanged', async () => {
    const { doc } = await freshTables();
    const store = new DynamoFlagStore(doc, 'no-such-table');
    const error = await store.putFlag({ key: 'x', definition: {}, expectedVersion: null, actor: 'a', reason: 'r', at: '2026-11-23T10:00:00.000Z' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('DynamoFlagStore translating SDK errors', () => {
  // An instance of its own, so the DynamoDB Local tests above keep the real client.
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
  const mock = mockClient(doc);
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());

  const sleeps: number[] = [];
  const store = new DynamoFlagStore(doc, 'flags', { maxAttempts: 3, sleep: (ms) => Promise.resolve(void sleeps.push(ms)), random: () => 0.5 });
  const canceled = (...reasons: CancellationReason[]) => new TransactionCanceledException({ message: 'Transaction cancelled', CancellationReasons: reasons, $metadata: {} });
  const put = (expectedVersion?: number | null) => store.putFlag({ key: 'new-checkout', definition: { state: 'ENABLED' }, expectedVersion, actor: 'a', reason: 'r', at: '2026-11-23T10:00:00.000Z' });
  const failure = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('expected a rejection'), (error: unknown) => error);

  it('turns a failed head condition into ConflictError naming the flag, keeping the cause, without retrying', async () => {
    const sdkError = canceled({ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' });
    mock.on(TransactWriteCommand).rejects(sdkError);
    const error = await failure(put(4));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ record: 'flag new-checkout', message: 'flag new-checkout changed since version 4 was read', cause: sdkError });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('retries a transaction cancelled only because another write touched the set version', async () => {
    sleeps.length = 0;
    mock.on(TransactWriteCommand).rejectsOnce(canceled({ Code: 'None' }, { Code: 'None' }, { Code: 'TransactionConflict' })).resolves({});
    expect(await put(4)).toMatchObject({ key: 'new-checkout', version: 5 });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(sleeps).toEqual([20]);
  });

  it('gives up with ConflictError when the conflicts do not stop', async () => {
    mock.on(TransactWriteCommand).rejects(canceled({ Code: 'None' }, { Code: 'None' }, { Code: 'TransactionConflict' }));
    expect(await failure(put(4))).toMatchObject({ name: 'ConflictError', record: 'flag new-checkout' });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it('re-reads the head and goes again when the writer pinned no version', async () => {
    mock.on(GetCommand).resolvesOnce({ Item: { version: 2 } }).resolves({ Item: { version: 3 } });
    mock.on(TransactWriteCommand).rejectsOnce(canceled({ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' })).resolves({});
    expect(await put()).toMatchObject({ version: 4 });
    const conditions = mock.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems?.[1]?.Put?.ExpressionAttributeValues?.[':current']);
    expect(conditions).toEqual([2, 3]);
  });

  it("turns throttling that outlasted the SDK's retries into DependencyUnavailableError, keeping the cause, without a retry of its own", async () => {
    const throttled = new ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 400, attempts: 3 } });
    mock.on(TransactWriteCommand).rejects(throttled);
    const error = await failure(put(1));
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ dependency: 'dynamodb', operation: 'TransactWriteItems', attempts: 3, cause: throttled });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('turns a throttled read into DependencyUnavailableError', async () => {
    mock.on(GetCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 400, attempts: 3 } }));
    expect(await failure(store.getFlag('new-checkout'))).toMatchObject({ name: 'DependencyUnavailableError', operation: 'GetItem' });
  });
});
