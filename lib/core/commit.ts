import type { Issue } from './errors.js';

const DAY_MS = 86_400_000;

/** How far ahead of the gate's clock a commit may claim to be: build machines' clocks drift. */
export const COMMIT_CLOCK_SKEW_MS = 10 * 60_000;
/** A commit authored longer ago than this is a broken build script or a typo, not a release. */
export const MAX_COMMIT_AGE_MS = 5 * 365 * DAY_MS;

/**
 * What is wrong with a commit's authored time for a release made at `now`, if anything. It must
 * parse, lie no later than `now` plus the skew, and no earlier than the longest plausible age.
 * Example: year 0102 is refused; so is tomorrow, which would give a negative lead time.
 */
export function commitTimeIssue(authoredAt: string, now: number, path = 'commit.authoredAt'): Issue | undefined {
  const at = Date.parse(authoredAt);
  if (!Number.isFinite(at)) return { path, message: 'expected an ISO 8601 time such as 2026-11-23T09:00:00Z' };
  if (at > now + COMMIT_CLOCK_SKEW_MS) return { path, message: `${authoredAt} is after the request (more than ${COMMIT_CLOCK_SKEW_MS / 60_000} minutes of clock skew): pass the commit's author time, git show -s --format=%aI` };
  if (at < now - MAX_COMMIT_AGE_MS) return { path, message: `${authoredAt} is more than ${MAX_COMMIT_AGE_MS / (365 * DAY_MS)} years before the request: pass the commit's author time, git show -s --format=%aI` };
  return undefined;
}

/**
 * Commit → promotion for one release, or undefined when the stored times cannot give a true
 * lead time (unparseable, the commit after the release was made, older than any plausible
 * commit, or a lead time beyond that age). Records written before the times were checked are read with the same rule.
 */
export function plausibleLeadTime(authoredAt: string, createdAt: string, promotedAt: string): number | undefined {
  const created = Date.parse(createdAt);
  const promoted = Date.parse(promotedAt);
  if (!Number.isFinite(created) || !Number.isFinite(promoted)) return undefined;
  if (commitTimeIssue(authoredAt, created) !== undefined) return undefined;
  const lead = promoted - Date.parse(authoredAt);
  return lead >= 0 && lead <= MAX_COMMIT_AGE_MS ? lead : undefined;
}
