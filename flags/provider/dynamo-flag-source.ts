import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoFlagStore } from '../../lib/aws/dynamo-flag-store.js';
import { flagSetDocument, flagSetEtag } from '../../lib/flags/flag-set.js';
import type { FlagStore } from '../../lib/ports.js';
import type { FlagSetFetch, FlagSetSource } from './flag-source.js';

/**
 * Reads the flag set straight from the store, for functions that may read the gate's table. An
 * unchanged set costs one GetItem (the set version) instead of the whole set.
 */
export class DynamoFlagSource implements FlagSetSource {
  constructor(private readonly store: FlagStore) {}

  /** The source on the gate's `flags` table (the FLAGS_TABLE of the stack). */
  static forTable(doc: DynamoDBDocumentClient, tableName: string): DynamoFlagSource {
    return new DynamoFlagSource(new DynamoFlagStore(doc, tableName));
  }

  async fetch(etag?: string): Promise<FlagSetFetch> {
    if (etag !== undefined && flagSetEtag(await this.store.setVersion()) === etag) return { notModified: true };
    const snapshot = await this.store.readFlagSet();
    return { etag: flagSetEtag(snapshot.version), flagSet: flagSetDocument(snapshot) };
  }
}
