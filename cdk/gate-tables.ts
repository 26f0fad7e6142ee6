import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_NAMES, TABLES, type KeyAttribute, type TableName, type TableSchema } from '../lib/aws/table-schemas.js';

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

/**
 * The four tables, built from lib/aws/table-schemas.ts so that the keys, indexes and TTL the
 * adapters use are the ones deployed. Every table is on-demand, has point-in-time recovery and
 * deletion protection, and is retained when the stack is deleted: release records are the audit
 * trail. Physical names are generated.
 *
 * `Table` (AWS::DynamoDB::Table) rather than `TableV2` (AWS::DynamoDB::GlobalTable): the gate is
 * single-region, and cdk-nag's DynamoDB rules (PITR) only check AWS::DynamoDB::Table, so this
 * choice keeps the tables under review instead of outside it.
 */
export class GateTables extends Construct {
  public readonly tables: Readonly<Record<TableName, dynamodb.Table>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const tables: Partial<Record<TableName, dynamodb.Table>> = {};
    for (const name of TABLE_NAMES) tables[name] = this.table(name, TABLES[name]);
    this.tables = tables as Record<TableName, dynamodb.Table>;
  }

  private table(name: TableName, schema: TableSchema): dynamodb.Table {
    const id = `${name.charAt(0).toUpperCase()}${name.slice(1)}Table`;
    const table = new dynamodb.Table(this, id, {
      partitionKey: attribute(schema.partition),
      ...(schema.sort ? { sortKey: attribute(schema.sort) } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(schema.ttlAttribute ? { timeToLiveAttribute: schema.ttlAttribute } : {}),
    });
    for (const index of schema.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partition),
        ...(index.sort ? { sortKey: attribute(index.sort) } : {}),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    return table;
  }
}
