import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Clock, IdempotencyRecord, IdempotencyStore, IdempotentResponse } from '../ports.js';
import { conflictOn, dynamoCall, lostWrite, rethrowLost } from './dynamo-errors.js';
import { decodeOrThrow, plain } from './dynamo-item-codec.js';

const RecordSchema = z.object({
  key: z.string(),
  scope: z.string(),
  requestHash: z.string(),
  claimId: z.string(),
  status: z.enum(['in_progress', 'completed']),
  inProgressExpiresAt: z.number(),
  response: z.object({ status: z.number().int(), body: z.unknown(), headers: z.record(z.string(), z.string()).optional() }).optional(),
  expiresAt: z.number(),
});

// `status` and `key` are DynamoDB reserved words, so every expression goes through names.
const NAMES = { '#status': 'status', '#response': 'response', '#expiresAt': 'expiresAt', '#claimId': 'claimId', '#inProgressExpiresAt': 'inProgressExpiresAt' };

/** Idempotency records on the `idempotency` table (`pk = <scope>#<key>`), expired by TTL on `expiresAt`. */
export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  async begin(record: Omit<IdempotencyRecord, 'status' | 'response'>): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    const nowMs = this.clock.now();
    try {
      await dynamoCall('PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: recordKey(record.scope, record.key), ...plain(record), status: 'in_progress' },
            // TTL removes expired records only eventually (often days later); until then they must not
            // count. A claim whose request died (a Lambda timeout, a crash) is taken over once its
            // in-progress time has passed:
            //   t0 request A claims, lease to t0+28s · A's Lambda times out · t0+30s retry B claims · A never completes
            ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt < :nowSeconds OR (#status = :inProgress AND #inProgressExpiresAt < :nowMs)',
            ExpressionAttributeNames: { '#expiresAt': NAMES['#expiresAt'], '#status': NAMES['#status'], '#inProgressExpiresAt': NAMES['#inProgressExpiresAt'] },
            ExpressionAttributeValues: { ':nowSeconds': Math.floor(nowMs / 1000), ':nowMs': nowMs, ':inProgress': 'in_progress' },
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

  async complete(scope: string, key: string, claimId: string, response: IdempotentResponse): Promise<void> {
    const pk = recordKey(scope, key);
    try {
      await dynamoCall('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk },
            UpdateExpression: 'SET #status = :completed, #response = :response',
            // A request whose claim was taken over must not overwrite the new holder's answer.
            ConditionExpression: '#status = :inProgress AND #claimId = :claimId',
            ExpressionAttributeNames: { '#status': NAMES['#status'], '#response': NAMES['#response'], '#claimId': NAMES['#claimId'] },
            ExpressionAttributeValues: { ':completed': 'completed', ':inProgress': 'in_progress', ':response': plain(response), ':claimId': claimId },
          }),
        ),
      );
    } catch (error) {
      rethrowLost(error, conflictOn(`idempotency record ${pk}`, `idempotency record ${pk} is not in progress under this claim`));
    }
  }

  async release(scope: string, key: string, claimId: string): Promise<void> {
    try {
      await dynamoCall('DeleteItem', () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: recordKey(scope, key) },
            // A completed response is worth keeping; only this request's unfinished claim is let go.
            ConditionExpression: '#status = :inProgress AND #claimId = :claimId',
            ExpressionAttributeNames: { '#status': NAMES['#status'], '#claimId': NAMES['#claimId'] },
            ExpressionAttributeValues: { ':inProgress': 'in_progress', ':claimId': claimId },
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
