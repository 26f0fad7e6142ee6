import type { Period } from './metrics.js';
import type { Release } from './release.js';

/**
 * Confirmed exposure: what a step may count. Its bake runs, and its evidence gathers, only while
 * the alias is under routing the gate has read back. A pause or a drift stops both until the gate
 * confirms the routing again after the resume; the spans in between are in `release.unconfirmed`.
 */

const time = (text: string | undefined) => (text === undefined ? undefined : Date.parse(text));

/**
 * The periods judgements may use: none that overlaps an unconfirmed span. Traffic a person routed
 * by hand (33% during a drift, say) or served while the gate was not watching is left out whole,
 * of the step window and of the sequential test alike. Which periods are left out depends only
 * on the routing, never on the counts, so the mixture SPRT keeps its α bound (optional skipping
 * keeps a supermartingale one).
 */
export function countedPeriods(release: Release, periods: readonly Period[]): Period[] {
  if (release.unconfirmed.length === 0) return [...periods];
  const spans = release.unconfirmed.map((span) => ({ from: Date.parse(span.from), to: time(span.to) ?? Number.POSITIVE_INFINITY }));
  return periods.filter((period) => !spans.some((span) => period.start < span.to && period.end > span.from));
}

/**
 * Milliseconds of confirmed exposure in the current step up to `at`: from the step's first
 * read-back, without the unconfirmed spans. Zero before the step's routing is confirmed.
 *
 * Example: a 5m step confirmed at 10:00, paused by drift at 10:03 and confirmed again at 10:05
 * after the resume: at 10:06 it has baked 3m + 1m = 4m, and 1m is left.
 */
export function exposureMs(release: Release, at: number): number {
  const start = time(release.stepConfirmedAt);
  if (start === undefined || at <= start) return 0;
  let total = at - start;
  for (const span of release.unconfirmed) {
    const from = Math.max(start, Date.parse(span.from));
    const to = Math.min(at, time(span.to) ?? at);
    if (to > from) total -= to - from;
  }
  return total;
}

/** Whether the gate has read the alias back at the release's weight since it last changed, paused or drifted. */
export function routingConfirmed(release: Release): boolean {
  return release.confirmedAt !== undefined;
}
