/**
 * The flag store on the `flags` table. Item layout:
 *
 *   pk = SET           sk = VERSION          the set version, bumped by every write
 *   pk = SET           sk = FLAG#<key>       the flag's current version (a copy of its newest item)
 *   pk = SET           sk = COHORT#<name>    the cohort's current version
 *   pk = FLAG#<key>    sk = V#<10 digits>    every version of the flag, never changed once written
 *   pk = COHORT#<name> sk = V#<10 digits>    every version of the cohort
 *
 * Heads share one partition so the whole current set is one query. Definitions and rules are
 * stored as JSON strings: they come back byte for byte, key order included.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError } from '../errors.js';
import type { CohortWrite, FlagSetSnapshot, FlagStore, FlagWrite, StoredCohort, StoredFlag } from '../ports.js';
import { dynamoCall, lostWrite } from './dynamo-errors.js';
import { decodeOrThrow } from './dynamo-item-codec.js';

const HEAD_PK = 'SET';
const SET_VERSION_SK = 'VERSION';
const FLAG = 'FLAG#';
const COHORT = 'COHORT#';
const versionSk = (version: number) => `V#${String(version).padStart(10, '0')}`;

const JsonObject = z.string().transform((text, ctx) => {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'expected a JSON object' });
  return z.NEVER;
});

const Audit = { version: z.number().int().positive(), updatedAt: z.string(), updatedBy: z.string(), reason: z.string().optional() };
const FlagItem = z.object({ key: z.string(), definition: JsonObject, ...Audit });
const CohortItem = z.object({ name: z.string(), rule: JsonObject, bucketBy: z.string().optional(), ...Audit });
const SetVersionItem = z.object({ version: z.number().int().nonnegative() });

/** Distinguishes a lost condition from a mere TransactionConflict, which lostWrite treats alike. */
function conditionFailed(error: unknown): boolean {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return (error as Error).name === 'ConditionalCheckFailedException' || reasons.some((reason) => reason.Code === 'ConditionalCheckFailed');
}

const decodeFlag = (item: unknown): StoredFlag => decodeOrThrow(FlagItem, item, 'flag item');
const decodeCohort = (item: unknown): StoredCohort => decodeOrThrow(CohortItem, item, 'cohort item');

export interface DynamoFlagStoreOptions {
  /** Attempts per write when DynamoDB cancels it for a concurrent transaction. @default 5 */
  readonly maxAttempts?: number | undefined;
  /** @default setTimeout */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Jitter for the backoff. @default Math.random */
  readonly random?: (() => number) | undefined;
}

interface Append {
  /** `flag new-checkout`: how a ConflictError names the record. */
  readonly record: string;
  readonly prefix: typeof FLAG | typeof COHORT;
  readonly id: string;
  readonly expectedVersion: number | null | undefined;
  readonly at: string;
  /** The item's attributes besides the keys and the version. */
  readonly attributes: Record<string, unknown>;
}

export class DynamoFlagStore implements FlagStore {
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoFlagStoreOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async readFlagSet(): Promise<FlagSetSnapshot> {
    // The version first: a write landing between the two reads then shows in the items but not
    // in the version, so a poller holding this version merely fetches again. Read the other way
    // round, the version could name items the poller never saw, and it would never fetch them.
    const version = await this.setVersion();
    const heads = await this.queryAll(HEAD_PK);
    return {
      flags: heads.filter((item) => String(item.sk).startsWith(FLAG)).map(decodeFlag),
      cohorts: heads.filter((item) => String(item.sk).startsWith(COHORT)).map(decodeCohort),
      version,
    };
  }

  async setVersion(): Promise<number> {
    const item = await this.get(HEAD_PK, SET_VERSION_SK);
    return item === undefined ? 0 : decodeOrThrow(SetVersionItem, item, 'flag set version item').version;
  }

  async getFlag(key: string): Promise<StoredFlag | undefined> {
    const item = await this.get(HEAD_PK, FLAG + key);
    return item && decodeFlag(item);
  }

  async putFlag(write: FlagWrite): Promise<StoredFlag> {
    const attributes = { key: write.key, definition: JSON.stringify(write.definition), updatedAt: write.at, updatedBy: write.actor, reason: write.reason };
    const version = await this.append({ record: `flag ${write.key}`, prefix: FLAG, id: write.key, expectedVersion: write.expectedVersion, at: write.at, attributes });
    return decodeFlag({ ...attributes, version });
  }

  async flagHistory(key: string): Promise<StoredFlag[]> {
    return (await this.queryAll(FLAG + key)).map(decodeFlag);
  }

  async getFlagVersion(key: string, version: number): Promise<StoredFlag | undefined> {
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    const item = await this.get(FLAG + key, versionSk(version));
    return item && decodeFlag(item);
  }

  async getCohort(name: string): Promise<StoredCohort | undefined> {
    const item = await this.get(HEAD_PK, COHORT + name);
    return item && decodeCohort(item);
  }

  async listCohorts(): Promise<StoredCohort[]> {
    return (await this.queryAll(HEAD_PK, COHORT)).map(decodeCohort);
  }

  async putCohort(write: CohortWrite): Promise<StoredCohort> {
    const attributes = {
      name: write.name,
      rule: JSON.stringify(write.rule),
      ...(write.bucketBy === undefined ? {} : { bucketBy: write.bucketBy }),
      updatedAt: write.at,
      updatedBy: write.actor,
      reason: write.reason,
    };
    const version = await this.append({ record: `cohort ${write.name}`, prefix: COHORT, id: write.name, expectedVersion: write.expectedVersion, at: write.at, attributes });
    return decodeCohort({ ...attributes, version });
  }

  async cohortHistory(name: string): Promise<StoredCohort[]> {
    return (await this.queryAll(COHORT + name)).map(decodeCohort);
  }

  /**
   * Writes version n+1, moves the head and bumps the set version in one transaction; returns n+1.
   * Without an expected version, a lost race re-reads the head and tries again.
   */
  private async append(input: Append): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const current = input.expectedVersion !== undefined ? input.expectedVersion : ((await this.head(input.prefix + input.id)) ?? null);
      const next = (current ?? 0) + 1;
      try {
        await dynamoCall('TransactWriteItems', () => this.doc.send(new TransactWriteCommand({ TransactItems: this.appendItems(input, current, next) })));
        return next;
      } catch (error) {
        const lost = lostWrite(error);
        if (lost === undefined) throw error;
        const retry = attempt < this.maxAttempts && (!conditionFailed(error) || input.expectedVersion === undefined);
        if (!retry) throw new ConflictError(input.record, `${input.record} changed since version ${current ?? 'none'} was read`, { cause: error });
        // Every write also bumps the one set-version item, so writes to different flags at the
        // same moment cancel each other (TransactionConflict) without being in conflict.
        await this.sleep(Math.round(20 * 2 ** (attempt - 1) * (0.5 + this.random())));
      }
    }
  }

  private appendItems(input: Append, current: number | null, next: number) {
    const TableName = this.tableName;
    const item = { ...input.attributes, version: next };
    return [
      // Versions are written once: a second writer of version n+1 fails here or on the head.
      { Put: { TableName, Item: { pk: input.prefix + input.id, sk: versionSk(next), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        // A and B both read version 3. A moves the head to 4. B's head condition (version = 3)
        // now fails, so B gets a ConflictError instead of silently replacing A's version 4.
        Put: {
          TableName,
          Item: { pk: HEAD_PK, sk: input.prefix + input.id, ...item },
          ...(current === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#version = :current', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':current': current } }),
        },
      },
      {
        Update: {
          TableName,
          Key: { pk: HEAD_PK, sk: SET_VERSION_SK },
          UpdateExpression: 'ADD #version :one SET updatedAt = :at',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':one': 1, ':at': input.at },
        },
      },
    ];
  }

  private async head(sk: string): Promise<number | undefined> {
    const item = await this.get(HEAD_PK, sk);
    return item === undefined ? undefined : decodeOrThrow(z.object({ version: z.number().int().positive() }), item, `${sk} head`).version;
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await dynamoCall('GetItem', () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true })));
    return Item;
  }

  /** Every item of a partition (optionally with an sort-key prefix), in sort-key order. */
  private async queryAll(pk: string, skPrefix?: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall('Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': pk, ...(skPrefix === undefined ? {} : { ':prefix': skPrefix }) },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }
}
