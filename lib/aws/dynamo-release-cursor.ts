/**
 * List cursors: the DynamoDB key of the last release a page returned, as base64url JSON. A
 * cursor is checked against the query before it reaches DynamoDB, so a bad one is the caller's
 * InvalidCursorError and not a ValidationException.
 */
import * as z from 'zod';
import { decodeCursor as decodePosition, encodeCursor } from '../cursor.js';
import { InvalidCursorError } from '../errors.js';

/** The index a list query reads and the partition it reads in it. */
export interface ListIndex {
  readonly name: 'byFunction' | 'byCreated';
  readonly partitionKey: 'functionName' | 'kind';
  readonly partition: string;
}

const CursorKeySchema = z.strictObject({
  pk: z.string().startsWith('REL#'),
  sk: z.literal('RELEASE'),
  createdKey: z.string(),
  functionName: z.string().optional(),
  kind: z.string().optional(),
});

/** The start key that resumes a query right after `item`, built from the index's and the table's keys. */
export function cursorAfter(item: Record<string, unknown>, index: ListIndex): string {
  const key = { pk: item.pk, sk: item.sk, createdKey: item.createdKey, [index.partitionKey]: item[index.partitionKey] };
  return encodeCursor(key);
}

/** `sinceKey` bounds the query: a cursor before it belongs to another query. */
export function decodeCursor(cursor: string, index: ListIndex, sinceKey: string | undefined): Record<string, unknown> {
  const key = decodePosition(cursor, CursorKeySchema);
  const otherKey = index.partitionKey === 'kind' ? 'functionName' : 'kind';
  if (key[index.partitionKey] !== index.partition || key[otherKey] !== undefined) throw new InvalidCursorError(cursor, 'it is a position in another list');
  if (sinceKey !== undefined && key.createdKey < sinceKey) throw new InvalidCursorError(cursor, 'it lies before `since`');
  return key;
}
