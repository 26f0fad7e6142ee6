import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  type CancellationReason,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { replay } from '../../lib/core/reducer.js';
import { lostWrite } from '../../lib/aws/dynamo-errors.js';
import { DynamoIdempotencyStore } from '../../lib/aws/dynamo-idempotency-store.js';
import { DynamoReleaseStore } from '../../lib/aws/dynamo-release-store.js';
import { DynamoTokenStore } from '../../lib/aws/dynamo-token-store.js';
import { ConflictError, NotFoundError, ReleaseInProgressError } from '../../lib/errors.js';
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

describe('everything else goes up unchanged', () => {
  const throttled = () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', ...metadata });
  const internal = () => new InternalServerError({ message: 'Internal error', ...metadata });

  it.each([
    ['ProvisionedThroughputExceededException', throttled],
    ['InternalServerError', internal],
    ['a cancellation for throttling', () => canceled({ Code: 'ThrottlingError' }, { Code: 'None' })],
  ])('rethrows %s from commit and create as the same object', async (_name, make) => {
    const sdkError = make();
    mock.on(TransactWriteCommand).rejects(sdkError);
    expect(await failure(store.commit(next, [started()], saved.revision))).toBe(sdkError);
    expect(await failure(store.create(release, created))).toBe(sdkError);
  });

  it('rethrows a throttled single-item write from every store as the same object', async () => {
    const sdkError = throttled();
    mock.on(PutCommand).rejects(sdkError);
    mock.on(UpdateCommand).rejects(sdkError);
    const idempotency = new DynamoIdempotencyStore(doc, 'idempotency', { now: () => 0 });
    const tokens = new DynamoTokenStore(doc, 'tokens');
    expect(await failure(idempotency.begin({ key: 'k', scope: 't', requestHash: 'h', claimId: 'c', inProgressExpiresAt: 30_000, expiresAt: 60 }))).toBe(sdkError);
    expect(await failure(idempotency.complete('t', 'k', 'c', { status: 200, body: null }))).toBe(sdkError);
    expect(await failure(tokens.revoke('tok-1', 'now', 'alice'))).toBe(sdkError);
  });

  it('does not mistake a plain error or a non-error for a lost write', () => {
    expect(lostWrite(new Error('ConditionalCheckFailed'))).toBeUndefined();
    expect(lostWrite('ConditionalCheckFailedException')).toBeUndefined();
    expect(lostWrite(canceled({ Code: 'ValidationError' }))).toBeUndefined();
  });
});
