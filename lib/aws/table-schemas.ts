/**
 * The DynamoDB tables, described once: the CDK construct, DynamoDB Local in tests and the local
 * world all build their tables from these, so the key names can never disagree.
 */
export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexSchema {
  readonly name: string;
  readonly partition: KeyAttribute;
  readonly sort?: KeyAttribute | undefined;
}

export interface TableSchema {
  readonly partition: KeyAttribute;
  readonly sort?: KeyAttribute | undefined;
  readonly indexes: readonly IndexSchema[];
  /** The attribute DynamoDB's TTL reads; only idempotency records expire. */
  readonly ttlAttribute?: string | undefined;
}

export const TABLE_NAMES = ['releases', 'idempotency', 'tokens', 'flags'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/** Shards of the due index, so the evaluator's query is not one hot partition. */
export const DUE_SHARDS = 8;

export const TABLES: Record<TableName, TableSchema> = {
  /**
   * Releases (`pk = REL#<id>`, `sk = RELEASE`), their events (`sk = EVT#<seq, 10 digits>`) and
   * one lock per alias (`pk = LOCK#<function>#<alias>`, `sk = LOCK`).
   */
  releases: {
    partition: { name: 'pk', type: 'S' },
    sort: { name: 'sk', type: 'S' },
    indexes: [
      // Sparse: only releases the evaluator must look at carry dueShard and dueAt.
      { name: 'due', partition: { name: 'dueShard', type: 'S' }, sort: { name: 'dueAt', type: 'N' } },
      { name: 'byFunction', partition: { name: 'functionName', type: 'S' }, sort: { name: 'createdKey', type: 'S' } },
      { name: 'byCreated', partition: { name: 'kind', type: 'S' }, sort: { name: 'createdKey', type: 'S' } },
    ],
  },
  /** `pk = <scope>#<key>`; expires through TTL on `expiresAt` (epoch seconds). */
  idempotency: {
    partition: { name: 'pk', type: 'S' },
    indexes: [],
    ttlAttribute: 'expiresAt',
  },
  /** `pk = <token id>`; holds a hash of the secret, never the secret. */
  tokens: {
    partition: { name: 'pk', type: 'S' },
    indexes: [],
  },
  /** Flags, their versions, cohorts and the flag set's own version (item layout in lib/aws/dynamo-flag-store.ts). */
  flags: {
    partition: { name: 'pk', type: 'S' },
    sort: { name: 'sk', type: 'S' },
    indexes: [],
  },
};

/** The environment variable that names each table in a deployed function. */
export const TABLE_ENV: Record<TableName, string> = {
  releases: 'RELEASES_TABLE',
  idempotency: 'IDEMPOTENCY_TABLE',
  tokens: 'TOKENS_TABLE',
  flags: 'FLAGS_TABLE',
};
