import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { chainEvents, GENESIS_HASH, verifyEvents } from '../chain.js';
import type { ReleaseEvent } from '../core/events.js';
import { isTerminal, type Release, type ReleaseState } from '../core/release.js';
import { ConflictError, ReleaseInProgressError } from '../errors.js';
import type { ChainVerification, ReleasePage, ReleaseQuery, ReleaseStore, StoredEvent } from '../ports.js';
import { conflictOn, dynamoCall, rethrowLost } from './dynamo-errors.js';
import { decodeOrThrow, plain } from './dynamo-item-codec.js';
import { encodeCursor } from '../cursor.js';
import { cursorAfter, decodeCursor, type ListIndex } from './dynamo-release-cursor.js';
import {
  decodeEvent,
  decodeRelease,
  DueItemSchema,
  dueShardKey,
  EVENT_SK_PREFIX,
  eventItem,
  idOfReleasePk,
  lockKey,
  RELEASE_KIND,
  releaseItem,
  releaseKey,
} from './dynamo-release-items.js';
import { DUE_SHARDS } from './table-schemas.js';

/** A list call reads at most this many pages, so a selective filter cannot keep one request busy. */
const MAX_PAGES = 10;
/** Items a filtered query evaluates per page; the filter runs after the limit. */
const FILTERED_PAGE = 100;

/**
 * The release store on the `releases` table (item layout in dynamo-release-items.ts). Every
 * state change is one transaction with conditions; nothing is ever deleted.
 */
export class DynamoReleaseStore implements ReleaseStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(release: Release, created: ReleaseEvent): Promise<Release> {
    const [stored] = chainEvents(release.id, GENESIS_HASH, release.revision, [created]) as [StoredEvent];
    const saved = plain({ ...release, chainHead: stored.hash });
    const TableName = this.tableName;
    try {
      await dynamoCall('TransactWriteItems', () =>
        this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName,
                  Key: lockKey(release.function, release.alias),
                  UpdateExpression: 'SET activeReleaseId = :id',
                  ConditionExpression: 'attribute_not_exists(activeReleaseId)',
                  ExpressionAttributeValues: { ':id': release.id },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              { Put: { TableName, Item: releaseItem(saved), ConditionExpression: 'attribute_not_exists(pk)' } },
              { Put: { TableName, Item: eventItem(stored), ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        ),
      );
    } catch (error) {
      rethrowLost(error, (lost) => {
        if (lost.index !== 0) return conflictOn(`release ${release.id}`, `release ${release.id} already exists`)(lost);
        const holder = lost.item?.activeReleaseId;
        return new ReleaseInProgressError(release.function, release.alias, typeof holder === 'string' ? holder : undefined, { cause: lost.error });
      });
    }
    return saved;
  }

  async get(id: string): Promise<Release | undefined> {
    const { Item } = await dynamoCall('GetItem', () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: releaseKey(id), ConsistentRead: true })));
    return Item === undefined ? undefined : decodeRelease(Item);
  }

  async list(query: ReleaseQuery): Promise<ReleasePage> {
    const limit = positiveLimit(query.limit);
    const index: ListIndex =
      query.function === undefined
        ? { name: 'byCreated', partitionKey: 'kind', partition: RELEASE_KIND }
        : { name: 'byFunction', partitionKey: 'functionName', partition: query.function };
    const sinceKey = query.since === undefined ? undefined : new Date(query.since).toISOString();
    let startKey = query.cursor === undefined ? undefined : decodeCursor(query.cursor, index, sinceKey);
    const input = listInput(this.tableName, index, sinceKey, query.state);
    const items: Record<string, unknown>[] = [];
    // One item past the limit tells whether another page exists, so the last page carries no cursor.
    for (let page = 0; page < MAX_PAGES && items.length <= limit; page++) {
      const pageSize = query.state === undefined ? limit + 1 - items.length : FILTERED_PAGE;
      const out = await dynamoCall('Query', () => this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey, Limit: pageSize })));
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
      if (startKey === undefined) break;
    }
    const kept = items.slice(0, limit);
    // A full page resumes after its last item, which may sit mid-way through the last query page;
    // a short one (out of pages) resumes where DynamoDB stopped.
    const more = items.length > limit || startKey !== undefined;
    const cursor = !more ? undefined : kept.length === limit ? cursorAfter(kept.at(-1)!, index) : encodeCursor(startKey!);
    return { items: kept.map(decodeRelease), cursor };
  }

  async due(now: number, limit: number): Promise<string[]> {
    if (limit < 1) return [];
    const shards = Array.from({ length: DUE_SHARDS }, (_, n) => dueShardKey(n));
    const found = (await Promise.all(shards.map((shard) => this.dueIn(shard, now, limit)))).flat();
    return found
      .sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map((entry) => entry.id);
  }

  /** The shard's `limit` most overdue releases; pages because the 1 MB read limit counts whole items. */
  private async dueIn(shard: string, now: number, limit: number): Promise<{ id: string; dueAt: number }[]> {
    const found: { id: string; dueAt: number }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall('Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'due',
            KeyConditionExpression: '#shard = :shard AND #dueAt <= :now',
            ExpressionAttributeNames: { '#shard': 'dueShard', '#dueAt': 'dueAt', '#pk': 'pk' },
            ExpressionAttributeValues: { ':shard': shard, ':now': now },
            ProjectionExpression: '#pk, #dueAt',
            Limit: limit - found.length,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of out.Items ?? []) {
        const due = decodeOrThrow(DueItemSchema, item, 'due index item');
        found.push({ id: idOfReleasePk(due.pk), dueAt: due.dueAt });
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined && found.length < limit);
    return found;
  }

  async commit(next: Release, events: readonly ReleaseEvent[], expectedRevision: number): Promise<Release> {
    const head = next.chainHead ?? (await this.get(next.id))?.chainHead;
    if (head === undefined) throw new ConflictError(`release ${next.id}`, `release ${next.id} does not exist`);
    const stored = chainEvents(next.id, head, expectedRevision + 1, events);
    const saved = plain({ ...next, chainHead: stored.at(-1)?.hash ?? head });
    const TableName = this.tableName;
    const lock = lockKey(next.function, next.alias);
    try {
      await dynamoCall('TransactWriteItems', () =>
        this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                // The head as well as the revision: a caller chaining from a head it did not read
                // would otherwise write events that link to nothing.
                Put: {
                  TableName,
                  Item: releaseItem(saved),
                  ConditionExpression: '#revision = :expected AND #head = :head',
                  ExpressionAttributeNames: { '#revision': 'revision', '#head': 'chainHead' },
                  ExpressionAttributeValues: { ':expected': expectedRevision, ':head': head },
                },
              },
              ...stored.map((event) => ({ Put: { TableName, Item: eventItem(event), ConditionExpression: 'attribute_not_exists(pk)' } })),
              ...(isTerminal(next.state)
                ? [
                    {
                      // Freed by removing the attribute, never the item: locks are not deleted.
                      Update: {
                        TableName,
                        Key: lock,
                        UpdateExpression: 'REMOVE activeReleaseId',
                        ConditionExpression: 'activeReleaseId = :id',
                        ExpressionAttributeValues: { ':id': next.id },
                      },
                    },
                  ]
                : []),
            ],
          }),
        ),
      );
    } catch (error) {
      const lockIndex = 1 + stored.length;
      rethrowLost(error, (lost) =>
        lost.index === lockIndex
          ? conflictOn(`lock ${lock.pk}`, `release ${next.id} does not hold the lock of ${next.function}:${next.alias}`)(lost)
          : conflictOn(`release ${next.id}`)(lost),
      );
    }
    return saved;
  }

  async events(id: string): Promise<StoredEvent[]> {
    const stored: StoredEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall('Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
            ExpressionAttributeValues: { ':pk': releaseKey(id).pk, ':events': EVENT_SK_PREFIX },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      stored.push(...(out.Items ?? []).map((item) => decodeEvent(id, item)));
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return stored;
  }

  async verifyChain(id: string): Promise<ChainVerification> {
    for (let attempt = 1; ; attempt++) {
      const events = await this.events(id);
      const release = await this.get(id);
      // A commit landing between the two reads moves the head past the events read: read again
      // instead of reporting a break. A real break persists and is reported on the last attempt.
      const caughtUp = release === undefined || release.revision === (events.at(-1)?.seq ?? 0);
      if (caughtUp || attempt === 3) return verifyEvents(id, events, release?.chainHead);
    }
  }
}

/** Newest first in the index's partition, from `since` on; the state is a filter, applied after the read. */
function listInput(TableName: string, index: ListIndex, sinceKey: string | undefined, state: ReleaseState | undefined): QueryCommandInput {
  const names: Record<string, string> = { '#partition': index.partitionKey };
  const values: Record<string, unknown> = { ':partition': index.partition };
  let keyCondition = '#partition = :partition';
  if (sinceKey !== undefined) {
    keyCondition += ' AND #created >= :since';
    names['#created'] = 'createdKey';
    values[':since'] = sinceKey;
  }
  if (state !== undefined) {
    names['#state'] = 'state';
    values[':state'] = state;
  }
  return {
    TableName,
    IndexName: index.name,
    KeyConditionExpression: keyCondition,
    FilterExpression: state === undefined ? undefined : '#state = :state',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
  };
}

function positiveLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`list limit must be a positive integer, not ${limit}`);
  return limit;
}
