/**
 * The one place that reads DynamoDB's exceptions. A write that lost its condition becomes the
 * domain error that names the record; a table that stays throttled or unavailable after the SDK's
 * retries becomes DependencyUnavailableError; anything else (validation, a missing table) goes up
 * unchanged.
 */
import type { AttributeValue, CancellationReason } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../errors.js';
import { callAws } from './sdk-errors.js';

/** A write whose condition did not hold. */
export interface LostWrite {
  /** The item's place in a transaction; undefined for a single-item write. */
  readonly index: number | undefined;
  /** The item as it stood, when the write asked for `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'` and it existed. */
  readonly item: Record<string, unknown> | undefined;
  readonly error: Error;
}

/** Names, not `instanceof`: a second copy of the SDK in node_modules must not change the answer. */
export function lostWrite(error: unknown): LostWrite | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'ConditionalCheckFailedException') {
    return { index: undefined, item: decode((error as { Item?: Record<string, AttributeValue> }).Item), error };
  }
  if (error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  // A failed condition names the record at fault. A conflict only says another transaction was
  // writing the same item at that moment: the caller's read is as stale as after a lost condition.
  let index = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
  if (index < 0) index = reasons.findIndex((reason) => reason.Code === 'TransactionConflict');
  if (index < 0) return undefined;
  return { index, item: decode(reasons[index]?.Item), error };
}

/** Throws what `translate` makes of a lost write, or `error` itself when it is anything else. */
export function rethrowLost(error: unknown, translate: (lost: LostWrite) => Error): never {
  const lost = lostWrite(error);
  if (lost === undefined) throw error;
  throw translate(lost);
}

/** The usual translation: the record changed since it was read. */
export const conflictOn =
  (record: string, message?: string) =>
  (lost: LostWrite): ConflictError =>
    new ConflictError(record, message, { cause: lost.error });

/** Cancellation codes that mean the table was overloaded, not that any condition failed. */
const THROTTLED_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * A transaction cancelled only because an item was throttled. The SDK does not retry it (it is a
 * 400), but it is as transient as a throttled single-item write.
 */
function throttledTransaction(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException' || lostWrite(error) !== undefined) return false;
  const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  return reasons.some((reason) => reason.Code !== undefined && THROTTLED_REASONS.has(reason.Code));
}

/** One DynamoDB call, e.g. `dynamoCall('GetItem', () => doc.send(new GetCommand(…)))`; lost writes stay for the caller to name. */
export const dynamoCall = <T>(operation: string, call: () => Promise<T>): Promise<T> => callAws('dynamodb', operation, call, throttledTransaction);

/** Cancellation reasons and condition failures carry raw attribute values; the document client does not decode errors. */
function decode(item: Record<string, AttributeValue> | undefined): Record<string, unknown> | undefined {
  return item === undefined || Object.keys(item).length === 0 ? undefined : unmarshall(item);
}
