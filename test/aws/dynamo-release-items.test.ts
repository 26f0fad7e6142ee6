import { describe, expect, it } from 'vitest';
import { decodeRelease, releaseItem } from '../../lib/aws/dynamo-release-items.js';
import { decide } from '../../lib/core/decide.js';
import { applyEvent } from '../../lib/core/reducer.js';
import type { Release } from '../../lib/core/release.js';
import { arm, at, newRelease, periods, T0 } from '../core/fixtures.js';

/** A progressing release as the gate stored it before it recorded confirmed exposure. */
function storedBeforeConfirmedExposure(): Record<string, unknown> {
  const { unconfirmed: _unconfirmed, ...older } = { ...newRelease(), state: 'progressing', stepIndex: 0, weight: 1, aliasWeight: 1, revision: 3, startedAt: at(0), stepStartedAt: at(0) } as Release;
  return releaseItem({ ...(older as Release), chainHead: 'h' });
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
