import * as z from 'zod';
import { chainEvents, GENESIS_HASH, verifyEvents } from '../chain.js';
import { decodeCursor as decodePosition, encodeCursor } from '../cursor.js';
import type { ReleaseEvent } from '../core/events.js';
import { isTerminal, type Release } from '../core/release.js';
import { ConflictError, InvalidCursorError, ReleaseInProgressError } from '../errors.js';
import type { ChainVerification, ReleasePage, ReleaseQuery, ReleaseStore, StoredEvent } from '../ports.js';

/** Through JSON, as DynamoDB stores it: undefined fields vanish and non-finite numbers become null. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The release store in memory, with the DynamoDB store's semantics: conditional writes on the
 * revision and chain head, one lock per alias, append-only chained events, keyed list cursors.
 * For tests and for library users.
 */
export class MemoryReleaseStore implements ReleaseStore {
  private readonly releases = new Map<string, Release>();
  /** Protected so a test can tamper with history the way someone with write access to the table could. */
  protected readonly history = new Map<string, StoredEvent[]>();
  /** Function and alias → the release holding the lock. */
  private readonly locks = new Map<string, string>();

  async create(release: Release, created: ReleaseEvent): Promise<Release> {
    await Promise.resolve();
    checkTimes(release);
    const holder = this.locks.get(lockName(release));
    if (holder !== undefined) throw new ReleaseInProgressError(release.function, release.alias, holder);
    if (this.releases.has(release.id)) throw new ConflictError(`release ${release.id}`, `release ${release.id} already exists`);
    const stored = chainEvents(release.id, GENESIS_HASH, release.revision, [created]);
    const saved = copy({ ...release, chainHead: stored.at(-1)!.hash });
    this.locks.set(lockName(release), release.id);
    this.releases.set(release.id, saved);
    this.history.set(release.id, copy(stored));
    return copy(saved);
  }

  async get(id: string): Promise<Release | undefined> {
    await Promise.resolve();
    const release = this.releases.get(id);
    return release && copy(release);
  }

  async list(query: ReleaseQuery): Promise<ReleasePage> {
    await Promise.resolve();
    if (!Number.isInteger(query.limit) || query.limit < 1) throw new RangeError(`list limit must be a positive integer, not ${query.limit}`);
    const list = query.function ?? null;
    const sinceKey = query.since === undefined ? undefined : new Date(query.since).toISOString();
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, list, sinceKey);
    const matching = [...this.releases.values()]
      .map((release) => ({ release, key: createdKey(release) }))
      .filter(({ release }) => query.function === undefined || release.function === query.function)
      .filter(({ release }) => query.state === undefined || release.state === query.state)
      .filter(({ key }) => (sinceKey === undefined || key >= sinceKey) && (after === undefined || key < after))
      .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    const page = matching.slice(0, query.limit);
    const cursor = matching.length > query.limit ? encodeCursor({ list, after: page.at(-1)!.key }) : undefined;
    return { items: copy(page.map(({ release }) => release)), cursor };
  }

  async due(now: number, limit: number): Promise<string[]> {
    await Promise.resolve();
    if (limit < 1) return [];
    return [...this.releases.values()]
      .filter((release) => !isTerminal(release.state) && release.nextEvaluationAt !== undefined)
      .map((release) => ({ id: release.id, dueAt: Date.parse(release.nextEvaluationAt!) }))
      .filter((entry) => entry.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map((entry) => entry.id);
  }

  async commit(next: Release, events: readonly ReleaseEvent[], expectedRevision: number): Promise<Release> {
    await Promise.resolve();
    checkTimes(next);
    const current = this.releases.get(next.id);
    if (current === undefined) throw new ConflictError(`release ${next.id}`, `release ${next.id} does not exist`);
    const head = next.chainHead ?? current.chainHead;
    const history = this.history.get(next.id) ?? [];
    const stored = chainEvents(next.id, head ?? GENESIS_HASH, expectedRevision + 1, events);
    const taken = stored.some((event) => history.some((existing) => existing.seq === event.seq));
    if (current.revision !== expectedRevision || current.chainHead !== head || taken) throw new ConflictError(`release ${next.id}`);
    const lock = lockName(next);
    if (isTerminal(next.state) && this.locks.get(lock) !== next.id) {
      throw new ConflictError(`lock LOCK#${lock}`, `release ${next.id} does not hold the lock of ${next.function}:${next.alias}`);
    }
    const saved = copy({ ...next, chainHead: stored.at(-1)?.hash ?? head });
    this.releases.set(next.id, saved);
    this.history.set(next.id, [...history, ...copy(stored)]);
    if (isTerminal(next.state)) this.locks.delete(lock);
    return copy(saved);
  }

  async events(id: string): Promise<StoredEvent[]> {
    await Promise.resolve();
    return copy(this.history.get(id) ?? []);
  }

  async verifyChain(id: string): Promise<ChainVerification> {
    const release = await this.get(id);
    return verifyEvents(id, await this.events(id), release?.chainHead);
  }
}

const lockName = (release: Pick<Release, 'function' | 'alias'>) => `${release.function}#${release.alias}`;

/** The order DynamoDB's indexes keep: the creation time as `toISOString`, then the id. */
function createdKey(release: Release): string {
  return `${new Date(epochMs(release.createdAt, `release ${release.id} createdAt`)).toISOString()}#${release.id}`;
}

/** DynamoDB's store cannot key a release on a time it cannot parse; neither does this one. */
function checkTimes(release: Release): void {
  createdKey(release);
  if (release.nextEvaluationAt !== undefined) epochMs(release.nextEvaluationAt, `release ${release.id} nextEvaluationAt`);
}

function epochMs(time: string, what: string): number {
  const ms = Date.parse(time);
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not a valid time: '${time}'`);
  return ms;
}

const CursorSchema = z.strictObject({ list: z.string().nullable(), after: z.string() });

function decodeCursor(cursor: string, list: string | null, sinceKey: string | undefined): string {
  const decoded = decodePosition(cursor, CursorSchema);
  if (decoded.list !== list) throw new InvalidCursorError(cursor, 'it is a position in another list');
  if (sinceKey !== undefined && decoded.after < sinceKey) throw new InvalidCursorError(cursor, 'it lies before `since`');
  return decoded.after;
}
