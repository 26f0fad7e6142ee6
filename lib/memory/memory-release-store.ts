import { chainEvents, GENESIS_HASH, verifyEvents } from '../chain.js';
import type { ReleaseEvent } from '../core/events.js';
import { isTerminal, type Release } from '../core/release.js';
import { ConflictError, ReleaseInProgressError } from '../errors.js';
import type { ChainVerification, ReleasePage, ReleaseQuery, ReleaseStore, StoredEvent } from '../ports.js';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The release store in memory, with the DynamoDB store's semantics: conditional writes on the
 * revision, one lock per alias, append-only chained events. For tests and for library users.
 */
export class MemoryReleaseStore implements ReleaseStore {
  private readonly releases = new Map<string, Release>();
  private readonly history = new Map<string, StoredEvent[]>();
  private readonly locks = new Map<string, string>();

  async create(release: Release, created: ReleaseEvent): Promise<Release> {
    await Promise.resolve();
    const lock = `${release.function}#${release.alias}`;
    const holder = this.locks.get(lock);
    if (holder !== undefined) throw new ReleaseInProgressError(release.function, release.alias, holder);
    if (this.releases.has(release.id)) throw new ConflictError(`release ${release.id}`, `release ${release.id} already exists`);
    const stored = chainEvents(release.id, GENESIS_HASH, release.revision, [created]);
    const saved = { ...release, chainHead: stored.at(-1)!.hash };
    this.locks.set(lock, release.id);
    this.releases.set(release.id, copy(saved));
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
    const all = [...this.releases.values()]
      .filter((release) => query.function === undefined || release.function === query.function)
      .filter((release) => query.state === undefined || release.state === query.state)
      .filter((release) => query.since === undefined || Date.parse(release.createdAt) >= query.since)
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    const start = query.cursor === undefined ? 0 : Number(Buffer.from(query.cursor, 'base64url').toString('utf8'));
    const items = all.slice(start, start + query.limit);
    const next = start + items.length;
    return { items: copy(items), cursor: next < all.length ? Buffer.from(String(next)).toString('base64url') : undefined };
  }

  async due(now: number, limit: number): Promise<string[]> {
    await Promise.resolve();
    return [...this.releases.values()]
      .filter((release) => !isTerminal(release.state) && release.nextEvaluationAt !== undefined && Date.parse(release.nextEvaluationAt) <= now)
      .sort((a, b) => Date.parse(a.nextEvaluationAt!) - Date.parse(b.nextEvaluationAt!))
      .slice(0, limit)
      .map((release) => release.id);
  }

  async commit(next: Release, events: readonly ReleaseEvent[], expectedRevision: number): Promise<Release> {
    await Promise.resolve();
    const current = this.releases.get(next.id);
    if (current === undefined || current.revision !== expectedRevision) {
      throw new ConflictError(`release ${next.id}`, `release ${next.id} is at revision ${current?.revision ?? 'none'}, not ${expectedRevision}`);
    }
    const stored = chainEvents(next.id, current.chainHead ?? GENESIS_HASH, expectedRevision + 1, events);
    const saved = { ...next, chainHead: stored.at(-1)?.hash ?? current.chainHead };
    this.releases.set(next.id, copy(saved));
    this.history.get(next.id)!.push(...copy(stored));
    if (isTerminal(next.state) && this.locks.get(`${next.function}#${next.alias}`) === next.id) this.locks.delete(`${next.function}#${next.alias}`);
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
