import type { Release } from '../../core/release.js';
import type { ChartSpec } from '../charts/chart-spec.js';
import { ActionsForm, type ActionsFormProps } from '../components/actions-form.js';
import { AliasRouting, DriftRecovery } from '../components/alias-routing.js';
import { DecisionTimeline } from '../components/decision-timeline.js';
import { Layout } from '../components/layout.js';
import { PlanSteps } from '../components/plan-steps.js';
import { PreflightCard, UnjudgedBadge } from '../components/preflight-card.js';
import { SliChart } from '../components/sli-chart.js';
import { StateBadge } from '../components/state-badge.js';
import { WeightBar } from '../components/weight-bar.js';
import { dateTime, isoOf } from '../format.js';
import { stepText, toneOf } from '../release-text.js';
import type { Session } from '../session.js';
import type { TimelineEntry } from '../timeline/entries.js';
import type { StepRow } from '../timeline/plan-progress.js';
import { ErrorNotice } from '../components/error-notice.js';

export interface ReleasePageProps {
  readonly session: Session;
  readonly release: Release;
  /** Why the release stands where it does, as the gate endpoint says it. */
  readonly explanation: string;
  readonly steps: readonly StepRow[];
  readonly entries: readonly TimelineEntry[];
  readonly charts: readonly ChartSpec[];
  readonly actions: Omit<ActionsFormProps, 'releaseId' | 'csrf' | 'stateText'>;
  /** The outcome of an action that could not be taken, shown above everything else. */
  readonly error?: string | undefined;
  readonly refresh: boolean;
}

function Facts(props: { release: Release }) {
  const { release } = props;
  return (
    <dl class="facts">
      <dt>Release</dt>
      <dd class="mono">{release.id}</dd>
      <dt>Version</dt>
      <dd>
        v{release.version} replacing stable v{release.stableVersion}
        {release.codeSha256 === undefined ? null : <div class="muted small mono">CodeSha256 {release.codeSha256}</div>}
      </dd>
      <dt>Traffic</dt>
      <dd>
        <WeightBar percent={release.weight} label={`the plan's share for version ${release.version}`} />
      </dd>
      <dt>Alias</dt>
      <dd class="small">
        <AliasRouting release={release} />
      </dd>
      <dt>Step</dt>
      <dd>{stepText(release)}</dd>
      <dt>Risk</dt>
      <dd>{release.risk}</dd>
      <dt>Created</dt>
      <dd>
        <time datetime={isoOf(release.createdAt)}>{dateTime(release.createdAt)}</time>
        {release.createdBy === undefined ? null : ` by ${release.createdBy}`}
      </dd>
      {release.finishedAt === undefined ? null : (
        <>
          <dt>Finished</dt>
          <dd>
            <time datetime={isoOf(release.finishedAt)}>{dateTime(release.finishedAt)}</time>
          </dd>
        </>
      )}
      {release.commit === undefined ? null : (
        <>
          <dt>Commit</dt>
          <dd class="mono">{release.commit.sha}</dd>
        </>
      )}
      {release.description === undefined ? null : (
        <>
          <dt>Description</dt>
          <dd>{release.description}</dd>
        </>
      )}
      <dt>People</dt>
      <dd>
        {release.actors.length === 0 ? (
          <span class="muted">no one has acted on it</span>
        ) : (
          <ul class="small">
            {release.actors.map((record) => (
              <li>
                {record.actor} · {record.action} at <time datetime={isoOf(record.at)}>{dateTime(record.at)}</time>
                {record.reason === undefined ? null : `: ${record.reason}`}
              </li>
            ))}
          </ul>
        )}
      </dd>
    </dl>
  );
}

/** One release: where it stands and why, its numbers, and what a person may do about it. */
export function ReleasePage(props: ReleasePageProps) {
  const { release } = props;
  const stateText = release.state.replace('_', ' ');
  return (
    <Layout title={`${release.function}:${release.alias} v${release.version}`} section="releases" session={props.session} refresh={props.refresh}>
      <p class="small">
        <a href="/">← Releases</a>
      </p>
      <div class="headline">
        <h1>
          {release.function}:{release.alias} · v{release.version}
        </h1>
        <StateBadge state={release.state} />
        <UnjudgedBadge release={release} />
      </div>
      <ErrorNotice message={props.error} />
      <p class={`explain ${toneOf(release.state)}`}>
        <strong>Why: </strong>
        {props.explanation}
      </p>
      <DriftRecovery release={release} />
      <div class="two">
        <section class="card" aria-labelledby="facts-heading">
          <h2 id="facts-heading">Release</h2>
          <Facts release={release} />
        </section>
        <div>
          <ActionsForm releaseId={release.id} csrf={props.session.csrf} stateText={stateText} {...props.actions} />
          <section class="card" aria-labelledby="plan-heading">
            <h2 id="plan-heading">Plan</h2>
            <PlanSteps rows={props.steps} state={release.state} />
          </section>
        </div>
      </div>
      <PreflightCard release={release} />
      <section aria-labelledby="charts-heading">
        <h2 id="charts-heading">SLIs: new version against baseline</h2>
        <div class="charts">
          {props.charts.map((spec) => (
            <SliChart spec={spec} />
          ))}
        </div>
      </section>
      <section class="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <DecisionTimeline entries={props.entries} />
      </section>
    </Layout>
  );
}
