/**
 * What each tick saw, stored so that every decision can be made again later from the record
 * alone: a tick stores only the periods that are new or changed since the last stored tick
 * (CloudWatch fills in late datapoints), and the release keeps a digest per period to tell.
 */
import { canonicalJson } from './canonical-json.js';
import type { Observation, Period } from './metrics.js';

/** What these functions read of a release (typed here so that the release and its events can name this module's types). */
interface Observing {
  readonly state: string;
  readonly observedDigests?: PeriodDigests | undefined;
}

/**
 * Which analysis made a decision. Raise it whenever decide() or the checks would judge the
 * same stored inputs differently, so that a replay can tell a changed analysis from a changed record.
 */
export const ANALYSIS_VERSION = '2026.12.4';

/** A tick's inputs as stored in its `observed` event. */
export interface ObservedInputs {
  readonly analysis: string;
  /** Periods new or changed since the last stored tick. */
  readonly periods: readonly Period[];
  /** Starts of periods seen before that the metrics source no longer returns. */
  readonly absent?: readonly number[] | undefined;
  /** The metrics source's failure, when the tick could not observe. */
  readonly error?: string | undefined;
}

/** Digests of the stored periods, by start (epoch ms as a string). */
export type PeriodDigests = Readonly<Record<string, string>>;

/** cyrb53 (public domain): a fast 53-bit string hash, enough to tell a revised period from the stored one. */
function cyrb53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** The same digest for the same numbers, whatever the order of keys or absent fields. */
export function periodDigest(period: Period): string {
  return cyrb53(canonicalJson(period));
}

/** Whether the release's state asks for metrics: pending releases start without looking at them. */
export function needsObservation(release: Pick<Observing, 'state'>): boolean {
  return release.state === 'progressing' || release.state === 'promoted';
}

/** What a tick stores of `observation`, against the digests of what the release has stored so far. */
export function observedInputs(release: Observing, observation: Observation): ObservedInputs {
  if (!needsObservation(release)) return { analysis: ANALYSIS_VERSION, periods: [] };
  if (!observation.ok) return { analysis: ANALYSIS_VERSION, periods: [], error: observation.error };
  const stored = release.observedDigests ?? {};
  const periods = observation.periods.filter((period) => stored[String(period.start)] !== periodDigest(period));
  const returned = new Set(observation.periods.map((period) => String(period.start)));
  const absent = Object.keys(stored)
    .filter((start) => !returned.has(start))
    .map(Number);
  return { analysis: ANALYSIS_VERSION, periods, ...(absent.length === 0 ? {} : { absent }) };
}

/** The release's digests once `inputs` are stored. */
export function digestsAfter(digests: PeriodDigests | undefined, inputs: ObservedInputs): PeriodDigests {
  const next: Record<string, string> = { ...digests };
  for (const start of inputs.absent ?? []) delete next[String(start)];
  for (const period of inputs.periods) next[String(period.start)] = periodDigest(period);
  return next;
}

/** Folds stored ticks into the periods as the latest tick saw them, in time order. */
export class PeriodLedger {
  readonly #periods = new Map<number, Period>();

  add(inputs: ObservedInputs): void {
    for (const start of inputs.absent ?? []) this.#periods.delete(start);
    for (const period of inputs.periods) this.#periods.set(period.start, period);
  }

  periods(): Period[] {
    return [...this.#periods.values()].sort((a, b) => a.start - b.start);
  }
}
