import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { NotFoundError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { SCOPES, type TokenPage, type TokenRecord, type TokenStore } from '../ports.js';
import { conflictOn, dynamoCall, lostWrite, rethrowLost } from './dynamo-errors.js';
import { decodeOrThrow, plain } from './dynamo-item-codec.js';

const TokenSchema = z.object({
  id: z.string(),
  secretHash: z.string(),
  subject: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  functions: z.array(z.string()),
  flags: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
});

const CursorSchema = z.strictObject({ pk: z.string().min(1).max(64) });

const decodeToken = (item: unknown): TokenRecord => decodeOrThrow(TokenSchema, item, 'token item');

/** API tokens on the `tokens` table (`pk = <token id>`); they hold a hash of the secret and are never deleted. */
export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<TokenRecord | undefined> {
    // Consistent, so a revocation takes effect on the very next request.
    const { Item } = await dynamoCall('GetItem', () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: id }, ConsistentRead: true })));
    return Item === undefined ? undefined : decodeToken(Item);
  }

  async create(record: TokenRecord): Promise<void> {
    try {
      await dynamoCall('PutItem', () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: record.id, ...plain(record) }, ConditionExpression: 'attribute_not_exists(pk)' })));
    } catch (error) {
      rethrowLost(error, conflictOn(`token ${record.id}`, `token ${record.id} already exists`));
    }
  }

  async revoke(id: string, at: string, by: string): Promise<TokenRecord> {
    try {
      const { Attributes } = await dynamoCall('UpdateItem', () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: id },
            UpdateExpression: 'SET revokedAt = :at, revokedBy = :by',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
            ExpressionAttributeValues: { ':at': at, ':by': by },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return decodeToken(Attributes);
    } catch (error) {
      const lost = lostWrite(error);
      if (lost === undefined) throw error;
      if (lost.item === undefined) throw new NotFoundError(`token ${id}`, undefined, { cause: lost.error });
      // Revoked already: the first revocation's time and author stand.
      return decodeToken(lost.item);
    }
  }

  /** In the table's scan order, which is stable; a scan's last page may come back empty. */
  async list(query: { limit: number; cursor?: string | undefined }): Promise<TokenPage> {
    const startKey = query.cursor === undefined ? undefined : decodeCursor(query.cursor, CursorSchema);
    const out = await dynamoCall('Scan', () => this.doc.send(new ScanCommand({ TableName: this.tableName, Limit: query.limit, ExclusiveStartKey: startKey })));
    const last = out.LastEvaluatedKey;
    return { items: (out.Items ?? []).map(decodeToken), cursor: last === undefined ? undefined : encodeCursor(CursorSchema.parse(last)) };
  }
}
