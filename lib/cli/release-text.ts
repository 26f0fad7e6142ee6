import { plural, weightText } from '../core/format.js';
import type { ReleaseView } from './api-types.js';
import { stepText } from './gate-progress.js';
import { markdownTable } from './table.js';

/** `rel-1: checkout:live 1 → 2, canary-1-10-50-100 (3 steps, verification 30m), normal risk, pending` */
export function releaseHeadline(release: ReleaseView): string {
  const plan = `${release.plan.preset ?? 'a custom plan'} (${plural(release.plan.steps.length, 'step')}, verification ${release.plan.verification})`;
  return `${release.id}: ${release.function}:${release.alias} ${release.stableVersion} → ${release.version}, ${plan}, ${release.risk} risk, ${release.state}`;
}

/** One release for a person: where it stands, why, and who acted on it. */
export function releaseDetails(release: ReleaseView): string {
  const rows: [string, string][] = [
    ['release', releaseHeadline(release)],
    ['step', stepText(release.currentStep)],
    ['weight', `${weightText(release.weight)} (alias read back: ${weightText(release.aliasWeight)})`],
    ['created', `${release.createdAt}${release.createdBy ? ` by ${release.createdBy}` : ''}`],
  ];
  if (release.finishedAt) rows.push(['finished', release.finishedAt]);
  if (release.commit) rows.push(['commit', `${release.commit.sha} (authored ${release.commit.authoredAt})`]);
  if (release.description) rows.push(['description', release.description]);
  if (release.state === 'paused' && release.pauseReason) rows.push(['paused', release.pauseReason]);
  if (release.rollbackReason) rows.push(['rollback', release.rollbackReason]);
  const decision = release.decisions.at(-1);
  if (decision) rows.push(['decision', `${decision.action} at ${decision.at}: ${decision.explanation}`]);
  for (const actor of release.actors) rows.push(['by hand', `${actor.action} by ${actor.actor} at ${actor.at}${actor.reason ? `: ${actor.reason}` : ''}`]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

export function releaseTable(releases: readonly ReleaseView[]): string {
  return markdownTable(
    ['id', 'function', 'version', 'state', 'weight', 'step', 'created'],
    releases.map((release) => [
      release.id,
      `${release.function}:${release.alias}`,
      `${release.stableVersion} → ${release.version}`,
      release.state,
      weightText(release.weight),
      stepText(release.currentStep),
      release.createdAt,
    ]),
  );
}
