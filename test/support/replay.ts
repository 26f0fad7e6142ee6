import { expect } from 'vitest';
import { formatReplay, replayDecisions } from '../../lib/core/replay-decisions.js';
import type { ReleaseStore } from '../../lib/ports.js';

/** Replays every release in the store from its stored history: every gate decision the same, none without inputs. */
export async function expectEveryReleaseReplays(store: ReleaseStore): Promise<number> {
  const { items } = await store.list({ limit: 100 });
  expect(items.length).toBeGreaterThan(0);
  let decisions = 0;
  for (const release of items) {
    const report = replayDecisions(release.id, (await store.events(release.id)).map((stored) => stored.event));
    const text = formatReplay(report);
    expect(report.different, text).toBe(0);
    expect(report.withoutInputs, text).toBe(0);
    decisions += report.decisions.length;
  }
  return decisions;
}
