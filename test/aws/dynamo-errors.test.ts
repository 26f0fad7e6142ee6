import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionCanceledException,
  type CancellationReason,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { replay } from '../../lib/core/reducer.js';
import { lostWrite } from '../../lib/aws/dynamo-errors.js';
import { DynamoIdempotencyStore } from '../../lib/aws/dynamo-idempotency-store.js';
import { DynamoReleaseStore } from '../../lib/aws/dynamo-release-store.js';
import { DynamoTokenStore } from '../../lib/aws/dynamo-token-store.js';
import { ConflictError, DependencyUnavailableError, NotFoundError, ReleaseInProgressError } from '../../lib/errors.js';
import { newRelease, started } from '../contracts/release-fixtures.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
const mock = mockClient(DynamoDBDocumentClient);
afterEach(() => mock.reset());

const metadata = { $metadata: {} };
const canceled = (...reasons: CancellationReason[]) => new TransactionCanceledException({ message: 'Transaction cancelled', CancellationReasons: reasons, ...metadata });
const failure = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('expected a rejection'), (error: unknown) => error);

const { release, created } = newRelease({ id: 'rel-1' });
const saved = { ...release, chainHead: 'a'.repeat(64) };
const next = replay(saved, [started()]);
const store = new DynamoReleaseStore(doc, 'releases');

describe('translating lost conditions', () => {
  it('turns a cancelled commit whose release condition failed into ConflictError naming the release, keeping the cause', async () => {
    const sdkError = canceled({ Code: 'ConditionalCheckFailed' }, { Code: 'ConditionalCheckFailed' });
    mock.on(TransactWriteCommand).rejects(sdkError);
    const error = await failure(store.commit(next, [started()], saved.revision));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ record: 'release rel-1', cause: sdkError });
  });

  it('names the lock when the lock is what failed on a terminal commit', async () => {
    const ended = { ...next, state: 'aborted' as const };
    mock.on(TransactWriteCommand).rejects(canceled({ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }));
    expect(await failure(store.commit(ended, [started()], saved.revision))).toMatchObject({ name: 'ConflictError', record: 'lock LOCK#checkout#live' });
  });

  it('treats a conflicting transaction as a lost write', async () => {
    mock.on(TransactWriteCommand).rejects(canceled({ Code: 'TransactionConflict' }, { Code: 'None' }));
    expect(await failure(store.commit(next, [started()], saved.revision))).toBeInstanceOf(ConflictError);
  });

  it('reads the holder of a taken lock from the raw item of the cancellation reason', async () => {
    mock.on(TransactWriteCommand).rejects(canceled({ Code: 'ConditionalCheckFailed', Item: { pk: { S: 'LOCK#checkout#live' }, activeReleaseId: { S: 'rel-0' } } }, { Code: 'None' }, { Code: 'None' }));
    const error = await failure(store.create(release, created));
    expect(error).toBeInstanceOf(ReleaseInProgressError);
    expect(error).toMatchObject({ functionName: 'checkout', alias: 'live', activeReleaseId: 'rel-0' });
  });

  it('turns a failed single-item condition into the error that names the record', async () => {
    const tokens = new DynamoTokenStore(doc, 'tokens');
    mock.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', ...metadata }));
    expect(await failure(tokens.create({ id: 'tok-1', secretHash: 'h', subject: 's', scopes: [], functions: [], flags: [], createdAt: 'c', createdBy: 'b' }))).toMatchObject({
      name: 'ConflictError',
      record: 'token tok-1',
    });
    mock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', ...metadata }));
    expect(await failure(tokens.revoke('tok-2', 'now', 'alice'))).toBeInstanceOf(NotFoundError);
  });

  it('decodes the existing idempotency record from the failed condition', async () => {
    const idempotency = new DynamoIdempotencyStore(doc, 'idempotency', { now: () => 0 });
    const Item = {
      pk: { S: 't#k' },
      key: { S: 'k' },
      scope: { S: 't' },
      requestHash: { S: 'h' },
      claimId: { S: 'claim-1' },
      status: { S: 'in_progress' },
      inProgressExpiresAt: { N: '30000' },
      expiresAt: { N: '60' },
    };
    mock.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', Item, ...metadata }));
    expect(await idempotency.begin({ key: 'k', scope: 't', requestHash: 'other', claimId: 'claim-2', inProgressExpiresAt: 30_000, expiresAt: 60 })).toEqual({
      claimed: false,
      existing: { key: 'k', scope: 't', requestHash: 'h', claimId: 'claim-1', status: 'in_progress', inProgressExpiresAt: 30_000, expiresAt: 60 },
    });
  });
});

describe('an unavailable DynamoDB', () => {
  /** As the SDK hands them over once its retries are spent. */
  const spent = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'REQ0000000000000000000000000000000000000000000000000', attempts: 3, totalRetryDelay: 640 } });
  const unavailable = {
    ProvisionedThroughputExceededException: () =>
      new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', ...spent(400) }),
    ThrottlingException: () => new ThrottlingException({ message: 'Throughput exceeds the current capacity of your table or index.', ...spent(400) }),
    RequestLimitExceeded: () => new RequestLimitExceeded({ message: 'Throughput exceeds the current throughput limit for your account.', ...spent(400) }),
    InternalServerError: () => new InternalServerError({ message: 'Internal server error', ...spent(500) }),
    'a 503': () => new DynamoDBServiceException({ name: 'ServiceUnavailable', $fault: 'server', message: 'Service Unavailable', ...spent(503) }),
    TimeoutError: () => Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError', $metadata: { attempts: 3 } }),
    ECONNREFUSED: () => Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } }),
  } as const;
  const kinds = Object.keys(unavailable) as (keyof typeof unavailable)[];

  const expectUnavailable = async (promise: Promise<unknown>, operation: string, cause: unknown) => {
    const error = await failure(promise);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ dependency: 'dynamodb', operation, attempts: 3 });
    expect((error as Error).cause).toBe(cause);
  };

  it.each(kinds)('%s from a release transaction is DependencyUnavailableError, cause kept', async (kind) => {
    const sdkError = unavailable[kind]();
    mock.on(TransactWriteCommand).rejects(sdkError);
    await expectUnavailable(store.commit(next, [started()], saved.revision), 'TransactWriteItems', sdkError);
    await expectUnavailable(store.create(release, created), 'TransactWriteItems', sdkError);
  });

  it.each(kinds)('%s from a read of any store is DependencyUnavailableError', async (kind) => {
    const sdkError = unavailable[kind]();
    mock.on(GetCommand).rejects(sdkError);
    mock.on(QueryCommand).rejects(sdkError);
    mock.on(ScanCommand).rejects(sdkError);
    const tokens = new DynamoTokenStore(doc, 'tokens');
    await expectUnavailable(store.get('rel-1'), 'GetItem', sdkError);
    await expectUnavailable(store.list({ limit: 10 }), 'Query', sdkError);
    await expectUnavailable(store.due(0, 10), 'Query', sdkError);
    await expectUnavailable(store.events('rel-1'), 'Query', sdkError);
    await expectUnavailable(tokens.get('tok-1'), 'GetItem', sdkError);
    await expectUnavailable(tokens.list({ limit: 10 }), 'Scan', sdkError);
  });

  it.each(kinds)('%s from a single-item write of any store is DependencyUnavailableError', async (kind) => {
    const sdkError = unavailable[kind]();
    mock.on(PutCommand).rejects(sdkError);
    mock.on(UpdateCommand).rejects(sdkError);
    mock.on(DeleteCommand).rejects(sdkError);
    const idempotency = new DynamoIdempotencyStore(doc, 'idempotency', { now: () => 0 });
    const tokens = new DynamoTokenStore(doc, 'tokens');
    await expectUnavailable(idempotency.begin({ key: 'k', scope: 't', requestHash: 'h', claimId: 'c', inProgressExpiresAt: 30_000, expiresAt: 60 }), 'PutItem', sdkError);
    await expectUnavailable(idempotency.complete('t', 'k', 'c', { status: 200, body: null }), 'UpdateItem', sdkError);
    await expectUnavailable(idempotency.release('t', 'k', 'c'), 'DeleteItem', sdkError);
    await expectUnavailable(tokens.create({ id: 'tok-1', secretHash: 'h', subject: 's', scopes: [], functions: [], flags: [], createdAt: 'c', createdBy: 'b' }), 'PutItem', sdkError);
    await expectUnavailable(tokens.revoke('tok-1', 'now', 'alice'), 'UpdateItem', sdkError);
  });

  it('a transaction cancelled only because an item was throttled is unavailable too (the SDK does not retry a 400)', async () => {
    for (const code of ['ThrottlingError', 'ProvisionedThroughputExceeded']) {
      const sdkError = canceled({ Code: code }, { Code: 'None' });
      mock.on(TransactWriteCommand).rejects(sdkError);
      const error = await failure(store.commit(next, [started()], saved.revision));
      expect(error).toMatchObject({ name: 'DependencyUnavailableError', dependency: 'dynamodb', operation: 'TransactWriteItems', cause: sdkError });
    }
  });

  it('a lost condition stays a conflict even when another item of the transaction was throttled', async () => {
    mock.on(TransactWriteCommand).rejects(canceled({ Code: 'ConditionalCheckFailed' }, { Code: 'ThrottlingError' }));
    expect(await failure(store.commit(next, [started()], saved.revision))).toMatchObject({ name: 'ConflictError', record: 'release rel-1' });
  });
});

describe('everything else goes up unchanged', () => {
  it.each([
    ['ValidationException', () => new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', message: 'One or more parameter values were invalid', $metadata: { httpStatusCode: 400 } })],
    ['ResourceNotFoundException', () => new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: { httpStatusCode: 400 } })],
    ['a cancellation for validation', () => canceled({ Code: 'ValidationError' }, { Code: 'None' })],
    ['a plain Error', () => new Error('bug')],
  ])('rethrows %s from commit, create and single-item writes as the same object', async (_name, make) => {
    const sdkError = make();
    mock.on(TransactWriteCommand).rejects(sdkError);
    mock.on(PutCommand).rejects(sdkError);
    mock.on(UpdateCommand).rejects(sdkError);
    const idempotency = new DynamoIdempotencyStore(doc, 'idempotency', { now: () => 0 });
    const tokens = new DynamoTokenStore(doc, 'tokens');
    expect(await failure(store.commit(next, [started()], saved.revision))).toBe(sdkError);
    expect(await failure(store.create(release, created))).toBe(sdkError);
    expect(await failure(idempotency.begin({ key: 'k', scope: 't', requestHash: 'h', claimId: 'c', inProgressExpiresAt: 30_000, expiresAt: 60 }))).toBe(sdkError);
    expect(await failure(tokens.revoke('tok-1', 'now', 'alice'))).toBe(sdkError);
  });

  it('does not mistake a plain error or a non-error for a lost write', () => {
    expect(lostWrite(new Error('ConditionalCheckFailed'))).toBeUndefined();
    expect(lostWrite('ConditionalCheckFailedException')).toBeUndefined();
    expect(lostWrite(canceled({ Code: 'ValidationError' }))).toBeUndefined();
  });
});
