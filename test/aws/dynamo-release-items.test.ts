import { describe, expect, it } from 'vitest';
import { decodeRelease, releaseItem } from '../../lib/aws/dynamo-release-items.js';
import { decide } from '../../lib/core/decide.js';
import { applyEvent } from '../../lib/core/reducer.js';
import type { Release } from '../../lib/core/release.js';
import { decodeStoredRelease, RELEASE_SCHEMA_VERSION, StoredRecordError } from '../../lib/core/release-schema.js';
import { arm, at, newRelease, periods, T0 } from '../core/fixtures.js';

/** A progressing release as the gate stored it before it recorded confirmed exposure. */
function storedBeforeConfirmedExposure(): Record<string, unknown> {
  const { unconfirmed: _unconfirmed, ...older } = { ...newRelease(), state: 'progressing', stepIndex: 0, weight: 1, aliasWeight: 1, revision: 3, startedAt: at(0), stepStartedAt: at(0) } as Release;
  // Written before layouts were numbered: no schemaVersion on the item.
  const { schemaVersion: _layout, ...item } = releaseItem({ ...(older as Release), chainHead: 'h' });
  return item;
}

describe('releases stored by an earlier version', () => {
  it('decode with the fields added since, and carry on: the step confirms its routing, then bakes', () => {
    const item = storedBeforeConfirmedExposure();
    expect((item.release as Record<string, unknown>).unconfirmed).toBeUndefined();
    const release = decodeRelease(item);
    expect(release.unconfirmed).toEqual([]);
    const observed = { ok: true as const, periods: periods(T0, 3, arm(10, 0), arm(990, 5)) };
    expect(decide(release, observed, T0 + 3 * 60_000).reason).toBe('routing_unconfirmed');
    const confirmed = applyEvent(release, { type: 'routing_confirmed', at: at(3), weight: 1, durationMs: 5, attempts: 0 });
    expect(decide(confirmed, observed, T0 + 4 * 60_000)).toMatchObject({ action: 'hold', reason: 'baking' });
  });
});

/** An item as DynamoDB hands it back: the release map through JSON, as the document client round-trips it. */
const storedAndRead = (release: Release) => JSON.parse(JSON.stringify(releaseItem({ ...release, chainHead: 'h' }))) as Record<string, unknown>;

describe('stored releases are decoded by their layout', () => {
  function decided(): Release {
    let release = applyEvent(newRelease(), { type: 'started', at: at(0), weight: 1 });
    release = applyEvent(release, { type: 'routing_confirmed', at: at(0), weight: 1, durationMs: 5, attempts: 1 });
    const decision = decide(release, { ok: true, periods: periods(T0, 6, arm(10, 0), arm(990, 5)) }, T0 + 6 * 60_000);
    return applyEvent(release, { type: 'held', at: at(6), decision });
  }

  it('reads back what it wrote, decisions and judgements included, with the current layout on the item', () => {
    const release = decided();
    const item = storedAndRead(release);
    expect(item.schemaVersion).toBe(RELEASE_SCHEMA_VERSION);
    const read = decodeRelease(item);
    expect(JSON.parse(JSON.stringify(read))).toEqual(JSON.parse(JSON.stringify({ ...release, chainHead: 'h' })));
    expect(read.decisions.at(-1)?.judgement?.checks.length).toBeGreaterThan(0);
  });

  it('reads a statistic past what a double holds, which JSON stored as null, as NaN instead of failing', () => {
    const release = decided();
    const decision = release.decisions.at(-1)!;
    const overflowing = { ...decision, judgement: { ...decision.judgement!, checks: decision.judgement!.checks.map((check) => ({ ...check, statistic: Number.POSITIVE_INFINITY })) } };
    const read = decodeRelease(storedAndRead({ ...release, decisions: [overflowing] }));
    expect(read.decisions[0]!.judgement!.checks.every((check) => Number.isNaN(check.statistic))).toBe(true);
  });

  it('refuses a record whose fields do not fit, naming each field, and one written by a newer gate', () => {
    const item = storedAndRead(decided());
    const corrupt = { ...item, release: { ...(item.release as Record<string, unknown>), state: 'flying', weight: 'ten', decisions: [{ action: 'leap' }] } };
    expect(() => decodeRelease(corrupt)).toThrow(StoredRecordError);
    expect(() => decodeRelease(corrupt)).toThrow(/state: .*; weight: .*; decisions\[0\]\.action: /);
    expect(() => decodeRelease({ ...item, release: { ...(item.release as Record<string, unknown>), surprise: true } })).toThrow(/surprise/);
    expect(() => decodeRelease({ ...item, schemaVersion: RELEASE_SCHEMA_VERSION + 1 })).toThrow(/newer gate/);
    expect(() => decodeStoredRelease([], 2)).toThrow(/expected an object/);
  });
});
