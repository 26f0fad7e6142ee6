import { formatDuration, parseDuration } from '../../core/duration.js';
import { percent, plural } from '../../core/format.js';
import type { DeliveryReportView, DurationStatsView } from '../api-types.js';
import { stringOf, type Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { markdownTable } from '../table.js';
import { ifGiven, isoTimeValue } from '../values.js';

/** An ISO time, or a duration back from now: `--since 7d`. */
function sinceValue(text: string, now: number): string {
  const back = parseDuration(text);
  if (back !== undefined && back > 0) return new Date(now - back).toISOString();
  if (/^\d/.test(text) && text.includes('T')) return isoTimeValue(text, '--since');
  throw new UsageError(`--since expects an ISO 8601 time such as 2030-01-07T00:00:00Z or a duration back from now such as 7d, got '${text}'`, '--since', 'report');
}

const rate = (value: number | null) => (value === null ? 'n/a' : percent(value));
/** `what` is the noun and its plural: `['rollback', 'rollbacks']`. */
const durations = (stats: DurationStatsView, [one, many]: readonly [string, string]) =>
  stats.count === 0 || stats.medianMs === null
    ? `n/a (no ${many})`
    : `median ${formatDuration(stats.medianMs)}, p90 ${formatDuration(stats.p90Ms ?? stats.medianMs)} (${plural(stats.count, one, many)})`;

export function reportText(report: DeliveryReportView): string {
  const rows = [
    ['releases', `${report.releases} (${report.finished} finished: ${report.succeeded} succeeded, ${report.rolledBack} rolled back, ${report.aborted} aborted${report.unjudged > 0 ? `; ${report.unjudged} unjudged, on time alone` : ''})`],
    ['deployment frequency', `${Number(report.deploymentsPerDay.toFixed(2))} per day`],
    ['lead time (commit → 100%)', `${durations(report.leadTime, ['release naming a commit', 'releases naming a commit'])}${report.leadTime.excluded > 0 ? `; ${report.leadTime.excluded} left out, their commit time impossible` : ''}`],
    ['change failure rate', rate(report.changeFailureRate)],
    ['time to restore', durations(report.timeToRestore, ['rollback', 'rollbacks'])],
    ['rollback success rate', rate(report.rollbackSuccessRate)],
    ['human intervention rate', rate(report.humanInterventionRate)],
  ];
  const title = `Delivery metrics ${report.since} → ${report.until}, ${report.function === null ? 'all functions' : `function ${report.function}`}`;
  const truncated = report.truncated ? '\n(truncated: the window holds more releases than one report reads; narrow it)' : '';
  return `${title}\n\n${markdownTable(['metric', 'value'], rows)}${truncated}`;
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'Print the delivery metrics (DORA) computed from the release records',
  options: {
    since: { type: 'string', value: 'ISO|DURATION', help: 'from this time, or this long ago, e.g. 7d (default: 30 days ago)' },
    until: { type: 'string', value: 'ISO', help: 'up to this time (default: now)' },
    function: { type: 'string', value: 'NAME', help: 'only this function' },
  },
  details: 'With --json, prints GET /reports/delivery as the API answers it.',
  prepare(args, { now }) {
    const query = {
      since: ifGiven(stringOf(args, 'since'), (text) => sinceValue(text, now)),
      until: ifGiven(stringOf(args, 'until'), (text) => isoTimeValue(text, '--until')),
      function: stringOf(args, 'function'),
    };
    return async ({ client, out }) => {
      const report = (await client.get<DeliveryReportView>('/reports/delivery', query)).body;
      out.result(report, () => reportText(report));
      return EXIT.ok;
    };
  },
};
