import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReleaseEvent } from '../../lib/core/events.js';
import { DynamoIdempotencyStore } from '../../lib/aws/dynamo-idempotency-store.js';
import { eventKey } from '../../lib/aws/dynamo-release-items.js';
import { DynamoReleaseStore } from '../../lib/aws/dynamo-release-store.js';
import { DynamoTokenStore } from '../../lib/aws/dynamo-token-store.js';
import type { ReleaseStore } from '../../lib/ports.js';
import { idempotencyStoreContract } from '../contracts/idempotency-store.contract.js';
import { releaseStoreContract } from '../contracts/release-store.contract.js';
import { tokenStoreContract } from '../contracts/token-store.contract.js';
import { freshTables, type DynamoTables } from '../support/dynamo.js';

const tablesOf = new WeakMap<ReleaseStore, DynamoTables>();

releaseStoreContract(
  'DynamoReleaseStore on DynamoDB Local',
  async () => {
    const tables = await freshTables();
    const store = new DynamoReleaseStore(tables.doc, tables.tables.releases);
    tablesOf.set(store, tables);
    return store;
  },
  {
    // Straight to the table, past the adapter, as someone with write access could.
    async tamperEvent(store, releaseId, seq, edit) {
      const { doc, tables } = tablesOf.get(store)!;
      const { Item } = await doc.send(new GetCommand({ TableName: tables.releases, Key: eventKey(releaseId, seq) }));
      if (Item === undefined) throw new Error(`release ${releaseId} has no event ${seq}`);
      await doc.send(new PutCommand({ TableName: tables.releases, Item: { ...Item, event: edit(Item.event as ReleaseEvent) } }));
    },
    propertyRuns: 6,
  },
);

idempotencyStoreContract('DynamoIdempotencyStore on DynamoDB Local', async (clock) => {
  const { doc, tables } = await freshTables();
  return new DynamoIdempotencyStore(doc, tables.idempotency, clock);
});

tokenStoreContract('DynamoTokenStore on DynamoDB Local', async () => {
  const { doc, tables } = await freshTables();
  return new DynamoTokenStore(doc, tables.tokens);
});
