import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Clock, IdempotencyRecord, IdempotencyStore } from '../ports.js';
import { conflictOn, dynamoCall, lostWrite, rethrowLost } from './dynamo-errors.js';
import { decodeOrThrow, plain } from './dynamo-item-codec.js';

const RecordSchema = z.object({
  key: z.string(),
  scope: z.string(),
  requestHash: z.string(),
  status: z.enum(['in_progress', 'completed']),
  response: z.object({ status: z.number().int(), body: z.unknown() }).optional(),
  expiresAt: z.number(),
});

// `status` and `key` are DynamoDB reserved words, so every expression goes through names.
const NAMES = { '#status': 'status', '#response': 'response', '#expiresAt': 'expiresAt' };

/** Idempotency records on the `idempotency` table (`pk = <scope>#<key>`), expired by TTL on `expiresAt`. */
export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  async begin(record: Omit<IdempotencyRecord, 'status' | 'response'>): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    try {
      await dynamoCall('PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: recordKey(record.scope, record.key), ...plain(record), status: 'in_progress' },
            // TTL removes expired records only eventually (often days later); until then they must not count.
            ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt < :now',
            ExpressionAttributeNames: { '#expiresAt': NAMES['#expiresAt'] },
            ExpressionAttributeValues: { ':now': nowSeconds },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { claimed: true };
    } catch (error) {
      const existing = lostWrite(error)?.item;
      if (existing === undefined) throw error;
      return { claimed: false, existing: decodeOrThrow(RecordSchema, existing, `idempotency record ${recordKey(record.scope, record.key)}`) };
    }
  }

  async complete(scope: string, key: string, response: { status: number; body: unknown }): Promise<void> {
    const pk = recordKey(scope, key);
    try {
      await dynamoCall('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk },
            UpdateExpression: 'SET #status = :completed, #response = :response',
            ConditionExpression: '#status = :inProgress',
            ExpressionAttributeNames: { '#status': NAMES['#status'], '#response': NAMES['#response'] },
            ExpressionAttributeValues: { ':completed': 'completed', ':inProgress': 'in_progress', ':response': plain(response) },
          }),
        ),
      );
    } catch (error) {
      rethrowLost(error, conflictOn(`idempotency record ${pk}`, `idempotency record ${pk} is not in progress`));
    }
  }

  async release(scope: string, key: string): Promise<void> {
    try {
      await dynamoCall('DeleteItem', () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: recordKey(scope, key) },
            // A completed response is worth keeping; only an unfinished claim is let go.
            ConditionExpression: '#status = :inProgress',
            ExpressionAttributeNames: { '#status': NAMES['#status'] },
            ExpressionAttributeValues: { ':inProgress': 'in_progress' },
          }),
        ),
      );
    } catch (error) {
      // Nothing in progress to let go of: releasing is safe to repeat.
      if (lostWrite(error) === undefined) throw error;
    }
  }
}

const recordKey = (scope: string, key: string) => `${scope}#${key}`;
