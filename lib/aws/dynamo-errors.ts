/**
 * The one place that reads SDK exceptions. A write that lost its condition becomes the domain
 * error that names the record; anything else (throttling, validation, network) goes up unchanged.
 */
import type { AttributeValue, CancellationReason } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../errors.js';

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

/** Cancellation reasons and condition failures carry raw attribute values; the document client does not decode errors. */
function decode(item: Record<string, AttributeValue> | undefined): Record<string, unknown> | undefined {
  return item === undefined || Object.keys(item).length === 0 ? undefined : unmarshall(item);
}
