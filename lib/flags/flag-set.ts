import type { FlagSetSnapshot } from '../ports.js';
import type { FlagSetDocument } from './flag-schema.js';

/** The flagd document for what the store holds now: flags by key, cohorts as `$evaluators`. */
export function flagSetDocument(snapshot: FlagSetSnapshot): FlagSetDocument {
  const byKey = <T>(entries: [string, T][]) => Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    flags: byKey(snapshot.flags.map((flag) => [flag.key, flag.definition])),
    $evaluators: byKey(snapshot.cohorts.map((cohort) => [cohort.name, cohort.rule])),
  };
}

/** A strong HTTP entity tag for a set version; every write bumps the version, so the tag changes. */
export function flagSetEtag(version: number): string {
  return `"${version}"`;
}
