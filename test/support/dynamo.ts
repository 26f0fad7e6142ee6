import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createTables } from '../../lib/aws/create-tables.js';
import { TABLE_NAMES, type TableName } from '../../lib/aws/table-schemas.js';
import { localDynamoClient } from '../../lib/sandbox/dynamodb-local.js';

export interface DynamoTables {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly tables: Record<TableName, string>;
}

/** A fresh set of tables under a random prefix on the run's DynamoDB Local, so no two tests share data. */
export async function freshTables(): Promise<DynamoTables> {
  const client = localDynamoClient(inject('dynamoEndpoint'));
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const tables = Object.fromEntries(TABLE_NAMES.map((name) => [name, `${prefix}-${name}`])) as Record<TableName, string>;
  await createTables(client, tables);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  return { client, doc, tables };
}
