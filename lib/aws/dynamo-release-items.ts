/**
 * The item layout of the `releases` table (lib/aws/table-schemas.ts): how a release, its events
 * and its alias lock are keyed, and how items read back are decoded.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { ReleaseEvent } from '../core/events.js';
import { isTerminal, type Release } from '../core/release.js';
import { decodeStoredRelease, RELEASE_SCHEMA_VERSION } from '../core/release-schema.js';
import type { StoredEvent } from '../ports.js';
import { decodeOrThrow, plain } from './dynamo-item-codec.js';
import { DUE_SHARDS } from './table-schemas.js';

const RELEASE_PREFIX = 'REL#';
export const EVENT_SK_PREFIX = 'EVT#';
export const RELEASE_KIND = 'release';

export const releaseKey = (id: string) => ({ pk: `${RELEASE_PREFIX}${id}`, sk: 'RELEASE' });
/** Zero-padded, so the sort key orders events by number. */
export const eventKey = (id: string, seq: number) => ({ pk: `${RELEASE_PREFIX}${id}`, sk: `${EVENT_SK_PREFIX}${String(seq).padStart(10, '0')}` });
export const lockKey = (functionName: string, alias: string) => ({ pk: `LOCK#${functionName}#${alias}`, sk: 'LOCK' });
export const idOfReleasePk = (pk: string) => pk.slice(RELEASE_PREFIX.length);

/** Sorts in creation order as a plain string: the time normalised by `toISOString`, then the id to break ties. */
export function createdKey(release: Pick<Release, 'id' | 'createdAt'>): string {
  return `${new Date(epochMs(release.createdAt, `release ${release.id} createdAt`)).toISOString()}#${release.id}`;
}

function epochMs(time: string, what: string): number {
  const ms = Date.parse(time);
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not a valid time: '${time}'`);
  return ms;
}

/** The due-index shard: a stable hash of the id, so a release keeps its shard for life. */
export function dueShard(id: string): string {
  return dueShardKey(createHash('sha256').update(id).digest().readUInt32BE(0) % DUE_SHARDS);
}

export const dueShardKey = (shard: number) => `due#${shard}`;

export function releaseItem(release: Release & { chainHead: string }): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...releaseKey(release.id),
    kind: RELEASE_KIND,
    schemaVersion: RELEASE_SCHEMA_VERSION,
    release: plain(release),
    revision: release.revision,
    chainHead: release.chainHead,
    state: release.state,
    functionName: release.function,
    createdKey: createdKey(release),
  };
  // Only releases the evaluator must look at carry the due keys, which keeps the index sparse.
  if (!isTerminal(release.state) && release.nextEvaluationAt !== undefined) {
    item.dueShard = dueShard(release.id);
    item.dueAt = epochMs(release.nextEvaluationAt, `release ${release.id} nextEvaluationAt`);
  }
  return item;
}

export function eventItem(stored: StoredEvent): Record<string, unknown> {
  return { ...eventKey(stored.releaseId, stored.seq), seq: stored.seq, event: plain(stored.event), prevHash: stored.prevHash, hash: stored.hash };
}

const ReleaseItemSchema = z.object({
  pk: z.string().startsWith(RELEASE_PREFIX),
  /** Absent on items written before layouts were numbered: layout 1. */
  schemaVersion: z.number().int().optional(),
  revision: z.number().int().nonnegative(),
  chainHead: z.string(),
  release: z.looseObject({ id: z.string().min(1) }),
});

/** Hashes stay plain strings here: a tampered hash is verifyChain's finding, not a decoding error. */
const EventItemSchema = z.object({
  seq: z.number().int().positive(),
  prevHash: z.string(),
  hash: z.string(),
  event: z.looseObject({ type: z.string(), at: z.string() }),
});

export const DueItemSchema = z.object({ pk: z.string().startsWith(RELEASE_PREFIX), dueAt: z.number() });

/** The release map is the engine's own record, decoded by its layout; the envelope beside it is what conditions compare. */
export function decodeRelease(item: unknown): Release {
  const decoded = decodeOrThrow(ReleaseItemSchema, item, 'release item');
  const release = decodeStoredRelease(decoded.release, decoded.schemaVersion ?? 1, 'release item');
  return { ...release, revision: decoded.revision, chainHead: decoded.chainHead };
}

export function decodeEvent(releaseId: string, item: unknown): StoredEvent {
  const decoded = decodeOrThrow(EventItemSchema, item, `event item of release ${releaseId}`);
  return { releaseId, seq: decoded.seq, event: decoded.event as unknown as ReleaseEvent, prevHash: decoded.prevHash, hash: decoded.hash };
}
