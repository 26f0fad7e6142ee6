import { formatDuration } from '../../core/duration.js';
import { count, weightText } from '../../core/format.js';
import { describePreflight, type Preflight } from '../../core/preflight.js';
import { isUnjudged, type Release } from '../../core/release.js';
import { UNJUDGED_LABEL } from '../release-text.js';
import { Badge } from './state-badge.js';

/** Minutes for people; a step that cannot finish in its maximum time has none (null if JSON met an infinity). */
function minutesText(minutes: number | null | undefined): string {
  return typeof minutes === 'number' && Number.isFinite(minutes) ? formatDuration(Math.round(minutes) * 60_000) : 'never';
}

const MODES: Record<Preflight['mode'], string> = {
  judged: 'judged on its own traffic',
  synthetic: 'judged on synthetic evidence',
  time: UNJUDGED_LABEL,
  refused: 'refused: traffic too low to judge',
};

/** The label every release view gives a release that runs on time alone; nothing for the others. */
export function UnjudgedBadge(props: { release: Pick<Release, 'preflight'> }) {
  return isUnjudged(props.release) ? <Badge tone="warning">{UNJUDGED_LABEL}</Badge> : null;
}

/** What the gate forecast before the release started, from the stable version's traffic. */
export function PreflightCard(props: { release: Release }) {
  const report = props.release.preflight;
  return (
    <section class="card" aria-labelledby="preflight-heading">
      <h2 id="preflight-heading">Pre-flight</h2>
      {isUnjudged(props.release) ? (
        <p class="notice warning" role="note">
          <strong>{UNJUDGED_LABEL}.</strong> Its traffic cannot bring the evidence the policy asks for in time, and the policy says to go on regardless: no SLI decides this
          release, its bakes do.
        </p>
      ) : null}
      {report === undefined ? (
        <p class="muted">No forecast: the gate had no reading of the stable version's traffic, so it judges the release as it goes.</p>
      ) : (
        <>
          <p>{describePreflight(report)}</p>
          {report.steps.length === 0 ? null : (
            <table>
              <caption class="sr-only">Forecast of each traffic step at the stable version's recent traffic</caption>
              <thead>
                <tr>
                  <th scope="col">step</th>
                  <th scope="col">weight</th>
                  <th scope="col">new version req/min</th>
                  <th scope="col">expected</th>
                  <th scope="col">slow case</th>
                </tr>
              </thead>
              <tbody>
                {report.steps.map((step) => (
                  <tr>
                    <td>{String(step.stepIndex + 1)}</td>
                    <td>{weightText(step.weight)}</td>
                    <td>{count(step.canaryPerMinute)}</td>
                    <td>
                      {minutesText(step.expectedMinutes)}
                      {step.gathersEvidence && typeof step.expectedMinutes === 'number' ? <span class="muted small"> until the evidence is in</span> : null}
                    </td>
                    <td>{minutesText(step.slowMinutes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <dl class="facts">
            <dt>Mode</dt>
            <dd>{MODES[report.mode]}</dd>
            <dt>To rule out</dt>
            <dd>{report.requestsToRuleOut === undefined ? 'more requests than it will see' : `${count(report.requestsToRuleOut)} requests on the new version`}</dd>
            {report.limitMinutesToFull === undefined ? null : (
              <>
                <dt>Least possible</dt>
                <dd>{minutesText(report.limitMinutesToFull)} to 100%: any gate with this policy's α and β needs that long at this traffic (Wald's bound)</dd>
              </>
            )}
            <dt>Catches</dt>
            <dd>{report.detectableRatio === undefined ? 'no ratio before the deadline' : `${report.detectableRatio}× the stable error rate and above`}</dd>
          </dl>
          {report.warnings.length === 0 ? null : (
            <ul class="small" aria-label="Pre-flight warnings">
              {report.warnings.map((warning) => (
                <li>
                  <span class="mono">{warning.code}</span>: {warning.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
