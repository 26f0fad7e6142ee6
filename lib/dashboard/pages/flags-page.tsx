import type { StoredCohort } from '../../ports.js';
import { Layout } from '../components/layout.js';
import { Badge } from '../components/state-badge.js';
import { WeightBar } from '../components/weight-bar.js';
import type { FlagView } from '../flags-view.js';
import { dateTime, isoOf } from '../format.js';
import type { Session } from '../session.js';

export interface FlagsPageProps {
  readonly session: Session;
  /** Undefined when this gate has no flag store. */
  readonly flags: readonly FlagView[] | undefined;
  readonly cohorts: readonly StoredCohort[];
}

function Ramps(props: { flag: FlagView }) {
  const { ramps } = props.flag;
  if (ramps === undefined) return <p class="notice error">The ramp state in this flag's metadata cannot be read; ramp it through the API to repair it.</p>;
  if (ramps.length === 0) return <p class="muted small">No cohort ramps.</p>;
  return (
    <div class="ramps">
      {ramps.map((ramp) => (
        <div class="ramp">
          <strong class="mono">{ramp.cohort}</strong>
          <WeightBar percent={ramp.percent} label={`${ramp.cohort} served ${ramp.on}`} />
          <span class="small">
            <span class="mono">{ramp.on}</span> <span class="muted">(rest: {ramp.off})</span>
          </span>
        </div>
      ))}
      <p class="muted small">In each cohort, that share of users gets the first variant and the rest the second; ramping up only adds users.</p>
    </div>
  );
}

function FlagCard(props: { flag: FlagView }) {
  const { flag } = props;
  return (
    <section class="card" aria-labelledby={`flag-${flag.key}`}>
      <div class="headline">
        <h2 id={`flag-${flag.key}`} class="mono">
          {flag.key}
        </h2>
        <Badge tone={flag.state}>{flag.state === 'DISABLED' ? 'disabled (kill switch)' : flag.state.toLowerCase()}</Badge>
        <span class="muted small">version {flag.version}</span>
      </div>
      {flag.description === undefined ? null : <p>{flag.description}</p>}
      <div class="two">
        <div>
          <h3>Cohort ramps</h3>
          <Ramps flag={flag} />
        </div>
        <dl class="facts">
          <dt>Variants</dt>
          <dd>
            {flag.variants.map(([name, value]) => (
              <div>
                <span class="mono">{name}</span> = <span class="mono">{value}</span>
                {name === flag.defaultVariant ? <span class="muted small"> (default)</span> : null}
              </div>
            ))}
          </dd>
          <dt>Default</dt>
          <dd class="mono">{flag.defaultVariant ?? 'none: callers use their code default'}</dd>
          <dt>Targeting</dt>
          <dd>
            {flag.targeting !== undefined ? (
              <code class="rule">{flag.targeting}</code>
            ) : flag.ramps !== undefined && flag.ramps.length > 0 ? (
              <span class="muted small">compiled from the cohort ramps</span>
            ) : (
              <span class="muted small">none: everyone gets the default</span>
            )}
          </dd>
          {flag.owner === undefined ? null : (
            <>
              <dt>Owner</dt>
              <dd>{flag.owner}</dd>
            </>
          )}
        </dl>
      </div>
      <h3>Recent versions</h3>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col" class="num">version</th>
              <th scope="col">when</th>
              <th scope="col">who</th>
              <th scope="col">why</th>
            </tr>
          </thead>
          <tbody>
            {flag.recent.map((version) => (
              <tr>
                <td class="num">{version.version}</td>
                <td class="small">
                  <time datetime={isoOf(version.updatedAt)}>{dateTime(version.updatedAt)}</time>
                </td>
                <td>{version.updatedBy}</td>
                <td>{version.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Every flag the token may see, its cohort ramps and history, and the cohorts' rules. */
export function FlagsPage(props: FlagsPageProps) {
  return (
    <Layout title="Flags" section="flags" session={props.session}>
      <h1>Flags</h1>
      {props.flags === undefined ? (
        <p class="notice info">This gate runs without a flag store, so there are no flags to show.</p>
      ) : props.flags.length === 0 ? (
        <p class="muted">No flags your token may see.</p>
      ) : (
        props.flags.map((flag) => <FlagCard flag={flag} />)
      )}
      {props.flags === undefined ? null : (
        <section class="card" aria-labelledby="cohorts-heading">
          <h2 id="cohorts-heading">Cohorts</h2>
          {props.cohorts.length === 0 ? (
            <p class="muted">No cohorts.</p>
          ) : (
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">cohort</th>
                    <th scope="col">rule (JsonLogic)</th>
                    <th scope="col">buckets by</th>
                    <th scope="col">version</th>
                  </tr>
                </thead>
                <tbody>
                  {props.cohorts.map((cohort) => (
                    <tr>
                      <td class="mono">{cohort.name}</td>
                      <td>
                        <code class="rule">{JSON.stringify(cohort.rule)}</code>
                      </td>
                      <td class="mono">{cohort.bucketBy ?? 'targetingKey'}</td>
                      <td class="small">
                        v{cohort.version} by {cohort.updatedBy}
                        {cohort.reason === undefined ? null : <div class="muted">{cohort.reason}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </Layout>
  );
}
