import { weightText } from '../../core/format.js';
import { describeRouting } from '../../core/reducer.js';
import { isTerminal, type Release } from '../../core/release.js';
import { routingFor, updateAliasCommand } from '../../engine/routing.js';
import { dateTime, isoOf } from '../format.js';

/**
 * What the alias routes as the gate last read it, for the row beside the plan's weight: the
 * drifted routing while someone else's change stands, or the last read-back and whether it is
 * confirmed. The two differ only while a shift, a pause or a drift leaves the gate unsure.
 */
export function AliasRouting(props: { release: Release }) {
  const { release } = props;
  const at = (text: string) => <time datetime={isoOf(text)}>{dateTime(text)}</time>;
  if (release.drift !== undefined) {
    return (
      <span class="warn-text">
        <strong>routes {describeRouting(release.drift.actual)}</strong>, changed outside the gate (found {at(release.drift.at)}); the gate expects{' '}
        {describeRouting(release.drift.expected)}
      </span>
    );
  }
  const routing = describeRouting(routingFor(release, release.aliasWeight));
  if (release.state === 'rolling_back') return <span>{routing} when last read back; returning to version {release.stableVersion}</span>;
  if (release.state === 'pending' || isTerminal(release.state)) return <span>{routing}</span>;
  if (release.confirmedAt !== undefined) {
    return (
      <span>
        {routing}, read back {at(release.confirmedAt)}
      </span>
    );
  }
  const pending =
    release.aliasWeight !== release.weight
      ? `the shift to ${weightText(release.weight)} is not confirmed yet`
      : release.state === 'paused'
        ? 'the gate reads it again when the release resumes; paused time does not count'
        : 'the gate reads it again before the step counts time';
  return (
    <span>
      {routing} when last read back; <span class="warn-text">{pending}</span>
    </span>
  );
}

/** While the alias stands as someone else left it: what to do, with the command to copy. */
export function DriftRecovery(props: { release: Release }) {
  const { release } = props;
  if (release.drift === undefined || release.state !== 'paused') return null;
  return (
    <section class="notice warning" aria-labelledby="drift-heading">
      <h2 id="drift-heading">The alias was changed outside Release Gate</h2>
      <p>
        {release.function}:{release.alias} routes <strong>{describeRouting(release.drift.actual)}</strong>; this release expects{' '}
        {describeRouting(release.drift.expected)}. The gate paused and left the alias as it is; nothing served meanwhile counts towards the step.
      </p>
      <p>To go on, set the alias back, then resume:</p>
      <pre>
        <code>{updateAliasCommand(release, release.drift.expected)}</code>
      </pre>
      <p>Or abort the release: the gate returns the alias to version {release.stableVersion}.</p>
    </section>
  );
}
