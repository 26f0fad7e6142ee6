import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLES, type TableName, type TableSchema } from './table-schemas.js';

function attributeDefinitions(schema: TableSchema) {
  const keys = [schema.partition, schema.sort, ...schema.indexes.flatMap((index) => [index.partition, index.sort])].filter((key) => key !== undefined);
  const unique = new Map(keys.map((key) => [key.name, key.type]));
  return [...unique].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

const keySchema = (partition: string, sort?: string) => [
  { AttributeName: partition, KeyType: 'HASH' as const },
  ...(sort ? [{ AttributeName: sort, KeyType: 'RANGE' as const }] : []),
];

/**
 * Creates the tables (on-demand, with their indexes and TTL) for DynamoDB Local; in AWS the
 * CDK construct creates them from the same schemas. Existing tables are left alone.
 */
export async function createTables(client: DynamoDBClient, names: Record<TableName, string>): Promise<void> {
  for (const [table, schema] of Object.entries(TABLES) as [TableName, TableSchema][]) {
    const TableName = names[table];
    try {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributeDefinitions(schema),
          KeySchema: keySchema(schema.partition.name, schema.sort?.name),
          GlobalSecondaryIndexes:
            schema.indexes.length === 0
              ? undefined
              : schema.indexes.map((index) => ({
                  IndexName: index.name,
                  KeySchema: keySchema(index.partition.name, index.sort?.name),
                  Projection: { ProjectionType: 'ALL' },
                })),
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      continue;
    }
    await client.send(new DescribeTableCommand({ TableName }));
    if (schema.ttlAttribute) {
      await client.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName: schema.ttlAttribute, Enabled: true } }));
    }
  }
}
