import { plural } from '../../core/format.js';
import { clockTime, dateTime, isoOf } from '../format.js';
import type { TimelineEntry } from '../timeline/entries.js';
import { ChecksTable } from './checks-table.js';

/** Why the gate did what it did, in order: every decision with its explanation and checks. */
export function DecisionTimeline(props: { entries: readonly TimelineEntry[] }) {
  return (
    <ol class="timeline">
      {props.entries.map((entry) => (
        <li class={entry.tone}>
          <time datetime={isoOf(entry.at)} title={dateTime(entry.at)}>
            {clockTime(entry.at)}
            {entry.until === undefined ? null : (
              <>
                {' – '}
                {clockTime(entry.until)}
              </>
            )}
          </time>
          <div class="what">
            <span class="tag">
              {entry.label}
              {entry.count === undefined ? null : ` ×${entry.count}`}
            </span>
            {entry.text}
            {entry.checks === undefined || entry.checks.length === 0 ? null : entry.tone === 'danger' || entry.tone === 'warning' ? (
              <ChecksTable checks={entry.checks} />
            ) : (
              <details>
                <summary>{plural(entry.checks.length, 'check')}</summary>
                <ChecksTable checks={entry.checks} />
              </details>
            )}
          </div>
        </li>
      ))}
    </ol>
  );
}
