import { formatDuration } from '../core/duration.js';
import { count, plural, weightText } from '../core/format.js';
import { describePreflight, type Preflight } from '../core/preflight.js';
import type { PreflightView, ReleaseView } from './api-types.js';
import { stepText } from './gate-progress.js';
import { markdownTable } from './table.js';

/** What every view calls a release that runs on time alone. */
export const UNJUDGED_LABEL = 'unjudged (on time alone)';

/** `rel-1: checkout:live 1 → 2, canary-1-10-50-100 (3 steps, verification 30m), normal risk, pending` */
export function releaseHeadline(release: ReleaseView): string {
  const plan = `${release.plan.preset ?? 'a custom plan'} (${plural(release.plan.steps.length, 'step')}, verification ${release.plan.verification})`;
  return `${release.id}: ${release.function}:${release.alias} ${release.stableVersion} → ${release.version}, ${plan}, ${release.risk} risk, ${release.state}${release.unjudged ? `, ${UNJUDGED_LABEL}` : ''}`;
}

/** The core's one-line summary; it reads none of the fields JSON turns from infinity into null. */
export const preflightSummary = (report: PreflightView) => describePreflight(report as unknown as Preflight);

/** Minutes for people; a step that cannot finish in its maximum time has none (null if JSON met an infinity). */
const minutesText = (minutes: number | null | undefined) => (typeof minutes === 'number' && Number.isFinite(minutes) ? formatDuration(Math.round(minutes) * 60_000) : 'not in time');

/** The pre-flight for people: the summary, each step's forecast, the evidence it needs, and every warning. */
export function preflightDetails(report: PreflightView): string {
  const lines = [`pre-flight: ${preflightSummary(report)}`];
  if (report.steps.length > 0) {
    lines.push(
      markdownTable(
        ['step', 'weight', 'new version req/min', 'expected', 'slow case'],
        report.steps.map((step) => [
          String(step.stepIndex + 1),
          weightText(step.weight),
          count(step.canaryPerMinute),
          `${minutesText(step.expectedMinutes)}${step.gathersEvidence && typeof step.expectedMinutes === 'number' ? ' (until the evidence is in)' : ''}`,
          minutesText(step.slowMinutes),
        ]),
      ),
    );
  }
  const rows: [string, string][] = [
    ['mode', report.mode === 'time' ? UNJUDGED_LABEL : report.mode],
    ['requests to rule out', report.requestsToRuleOut === undefined ? 'more than it will see' : `${count(report.requestsToRuleOut)} on the new version`],
    ['smallest detectable', report.detectableRatio === undefined ? 'none before the deadline' : `${report.detectableRatio}× the stable error rate`],
    ['to 100%', report.expectedMinutesToFull === undefined ? 'not in time on its evidence' : `${minutesText(report.expectedMinutesToFull)} expected, ${minutesText(report.slowMinutesToFull)} in the slow case`],
    ...(report.limitMinutesToFull === undefined ? [] : [['least possible', `${minutesText(report.limitMinutesToFull)} (any gate with this α and β, at this traffic: Wald's bound)`] as [string, string]]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  lines.push(...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`));
  for (const warning of report.warnings) lines.push(`warning ${warning.code}: ${warning.message}`);
  return lines.join('\n');
}

/** One release for a person: where it stands, why, and who acted on it. */
export function releaseDetails(release: ReleaseView): string {
  const rows: [string, string][] = [
    ['release', releaseHeadline(release)],
    ['step', stepText(release.currentStep)],
    ['weight', `${weightText(release.weight)} (alias read back: ${weightText(release.aliasWeight)})`],
    ['created', `${release.createdAt}${release.createdBy ? ` by ${release.createdBy}` : ''}`],
  ];
  if (release.unjudged) rows.push(['judged', `${UNJUDGED_LABEL}: its traffic cannot bring the evidence, so no SLI decides it`]);
  if (release.preflight) rows.push(['pre-flight', preflightSummary(release.preflight)]);
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
      release.unjudged ? `${release.state}, unjudged` : release.state,
      weightText(release.weight),
      stepText(release.currentStep),
      release.createdAt,
    ]),
  );
}
