import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { TableSchema } from '../lib/aws/table-schemas.js';

/** Item-level reads the adapters make, directly or inside TransactWriteItems. */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem'] as const;
/** Item-level writes; no table-level (DescribeTable, UpdateTable) or stream actions. */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;
/** Indexes are only ever queried. */
export const INDEX_ACTIONS = ['dynamodb:Query', 'dynamodb:Scan'] as const;

export type TableAccess = 'read' | 'readWrite';

export interface TableGrant {
  readonly table: dynamodb.ITable;
  readonly schema: TableSchema;
  readonly access: TableAccess;
}

/**
 * Like `grantReadWriteData`, but the index ARNs are named from the schema instead of
 * `<table>/index/*`, and indexes get read actions only, so no wildcard resource is needed.
 */
export function grantTableData(grantee: iam.IGrantable, { table, schema, access }: TableGrant): void {
  const actions = access === 'readWrite' ? [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS] : [...TABLE_READ_ACTIONS];
  iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [table.tableArn] });
  if (schema.indexes.length === 0) return;
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...INDEX_ACTIONS],
    resourceArns: schema.indexes.map((index) => `${table.tableArn}/index/${index.name}`),
  });
}
