import type { Child } from 'hono/jsx';
import type { DeliveryMetrics, DurationStats } from '../../core/delivery.js';
import { Layout } from '../components/layout.js';
import { plural } from '../../core/format.js';
import { durationOrDash, percentOrDash } from '../format.js';
import type { Session } from '../session.js';
import { ErrorNotice } from '../components/error-notice.js';

export interface DeliveryPageProps {
  readonly session: Session;
  readonly metrics: DeliveryMetrics;
  /** The form's values, as dates (YYYY-MM-DD). */
  readonly form: { readonly since: string; readonly until: string; readonly function?: string | undefined };
  readonly truncated: boolean;
  readonly error?: string | undefined;
}

function Kpi(props: { title: string; value: string; children?: Child }) {
  return (
    <section class="card">
      <h2>{props.title}</h2>
      <p class="kpi">{props.value}</p>
      <p class="muted small">{props.children}</p>
    </section>
  );
}

const spread = (stats: DurationStats) => (stats.count === 0 ? 'no data in this window' : `median of ${stats.count}; 90th percentile ${durationOrDash(stats.p90Ms)}`);

/** DORA's four keys and two of the gate's own, each with one sentence on what it means. */
export function DeliveryPage(props: DeliveryPageProps) {
  const { metrics } = props;
  return (
    <Layout title="Delivery" section="delivery" session={props.session}>
      <h1>Delivery metrics</h1>
      <form class="card filters" method="get" action="/ui/delivery" aria-label="Window">
        <div>
          <label for="since">From</label>
          <input id="since" name="since" type="date" value={props.form.since} />
        </div>
        <div>
          <label for="until">To (inclusive)</label>
          <input id="until" name="until" type="date" value={props.form.until} />
        </div>
        <div>
          <label for="function">Function</label>
          <input id="function" name="function" type="text" value={props.form.function ?? ''} placeholder="all" autocomplete="off" />
        </div>
        <div>
          <button type="submit">Show</button>
        </div>
      </form>
      <ErrorNotice message={props.error} />
      <p class="muted">
        {plural(metrics.releases, 'release')} created from {props.form.since} to {props.form.until}: {metrics.succeeded} succeeded, {metrics.rolledBack} rolled back,{' '}
        {metrics.aborted} aborted, {metrics.releases - metrics.finished} still running.
        {metrics.unjudged > 0 ? ` ${metrics.unjudged} of them unjudged: on time alone, no SLI decided them.` : ''}
        {props.truncated ? ' Only the newest 5,000 releases were counted.' : ''}
      </p>
      <div class="grid">
        <Kpi title="Deployment frequency" value={`${Number(metrics.deploymentsPerDay.toFixed(2))} / day`}>
          Releases that reached 100% and passed verification, per day of the window.
        </Kpi>
        <Kpi title="Lead time for changes" value={durationOrDash(metrics.leadTime.medianMs)}>
          From the commit being authored to its version taking all traffic ({spread(metrics.leadTime)}). Only releases that name their commit count
          {metrics.leadTime.excluded > 0 ? `; ${metrics.leadTime.excluded} with an impossible commit time are left out` : ''}.
        </Kpi>
        <Kpi title="Change failure rate" value={percentOrDash(metrics.changeFailureRate)}>
          Finished releases that the gate or a person rolled back. Lower is better; aborts are not failures of the change.
        </Kpi>
        <Kpi title="Time to restore" value={durationOrDash(metrics.timeToRestore.medianMs)}>
          From a rollback starting to the alias being read back on the stable version ({spread(metrics.timeToRestore)}).
        </Kpi>
        <Kpi title="Rollback success" value={percentOrDash(metrics.rollbackSuccessRate)}>
          Rollbacks that reached the stable version, of all rollbacks started. Anything under 100% needs a look.
        </Kpi>
        <Kpi title="Human intervention" value={percentOrDash(metrics.humanInterventionRate)}>
          Releases a person approved, paused, resumed, promoted, aborted or rolled back by hand.
        </Kpi>
      </div>
    </Layout>
  );
}
