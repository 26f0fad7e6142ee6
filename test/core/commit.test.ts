import { describe, expect, it } from 'vitest';
import { COMMIT_CLOCK_SKEW_MS, commitTimeIssue, MAX_COMMIT_AGE_MS, plausibleLeadTime } from '../../lib/core/commit.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('commitTimeIssue', () => {
  it.each([
    ['an hour ago', iso(NOW - 3_600_000), undefined],
    ['within the clock skew ahead', iso(NOW + COMMIT_CLOCK_SKEW_MS), undefined],
    ['just past the skew', iso(NOW + COMMIT_CLOCK_SKEW_MS + 1), 'after the request'],
    ['tomorrow', iso(NOW + 86_400_000), 'after the request'],
    ['at the oldest plausible age', iso(NOW - MAX_COMMIT_AGE_MS), undefined],
    ['older than that', iso(NOW - MAX_COMMIT_AGE_MS - 1), 'years before the request'],
    ['in year 0102', '0102-03-04T05:06:07Z', 'years before the request'],
    ['not a time', 'last tuesday', 'expected an ISO 8601 time'],
  ])('%s: %s', (_name, authoredAt, problem) => {
    const issue = commitTimeIssue(authoredAt, NOW);
    if (problem === undefined) expect(issue).toBeUndefined();
    else expect(issue).toEqual({ path: 'commit.authoredAt', message: expect.stringContaining(problem) });
  });
});

describe('plausibleLeadTime', () => {
  it('is promotion minus authorship for a plausible commit, and undefined otherwise', () => {
    expect(plausibleLeadTime(iso(NOW - 60_000), iso(NOW), iso(NOW + 60_000))).toBe(120_000);
    expect(plausibleLeadTime(iso(NOW + 86_400_000), iso(NOW), iso(NOW + 60_000))).toBeUndefined();
    expect(plausibleLeadTime('0102-03-04T05:06:07Z', iso(NOW), iso(NOW + 60_000))).toBeUndefined();
    expect(plausibleLeadTime(iso(NOW), iso(NOW), 'garbage')).toBeUndefined();
    expect(plausibleLeadTime(iso(NOW + 60_000), iso(NOW), iso(NOW))).toBeUndefined();
  });
});
