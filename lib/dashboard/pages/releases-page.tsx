import { RELEASE_STATES, type Release, type ReleaseState } from '../../core/release.js';
import { Layout } from '../components/layout.js';
import { UnjudgedBadge } from '../components/preflight-card.js';
import { StateBadge } from '../components/state-badge.js';
import { WeightBar } from '../components/weight-bar.js';
import { dateTime, isoOf } from '../format.js';
import { stepText } from '../release-text.js';
import type { Session } from '../session.js';
import { ErrorNotice } from '../components/error-notice.js';

export interface ReleaseFilters {
  readonly function?: string | undefined;
  readonly state?: ReleaseState | undefined;
}

export interface ReleasesPageProps {
  readonly session: Session;
  readonly releases: readonly Release[];
  readonly filters: ReleaseFilters;
  /** The next page's link, when there is one. */
  readonly nextHref?: string | undefined;
  /** Set on every page after the first. */
  readonly firstHref?: string | undefined;
  readonly error?: string | undefined;
  readonly refresh: boolean;
}

/** Every release, newest first: where each stands and who asked for it. */
export function ReleasesPage(props: ReleasesPageProps) {
  const { filters } = props;
  return (
    <Layout title="Releases" section="releases" session={props.session} refresh={props.refresh}>
      <h1>Releases</h1>
      <form class="card filters" method="get" action="/" role="search" aria-label="Filter releases">
        <div>
          <label for="function">Function</label>
          <input id="function" name="function" type="text" value={filters.function ?? ''} placeholder="any" autocomplete="off" />
        </div>
        <div>
          <label for="state">State</label>
          <select id="state" name="state">
            <option value="" selected={filters.state === undefined}>
              any
            </option>
            {RELEASE_STATES.map((state) => (
              <option value={state} selected={filters.state === state}>
                {state.replace('_', ' ')}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">Filter</button> {filters.function !== undefined || filters.state !== undefined ? <a href="/">clear</a> : null}
        </div>
      </form>
      <ErrorNotice message={props.error} />
      <div class="card scroll">
        {props.releases.length === 0 ? (
          <p class="muted">No releases{filters.function !== undefined || filters.state !== undefined ? ' match these filters' : ' yet'}.</p>
        ) : (
          <table class="stack">
            <caption class="sr-only">Releases, newest first</caption>
            <thead>
              <tr>
                <th scope="col">release</th>
                <th scope="col">version</th>
                <th scope="col">state</th>
                <th scope="col">weight</th>
                <th scope="col">step</th>
                <th scope="col">created</th>
              </tr>
            </thead>
            <tbody>
              {props.releases.map((release) => (
                  <tr>
                    <td>
                      <a href={`/ui/releases/${encodeURIComponent(release.id)}`}>
                        <strong>
                          {release.function}:{release.alias}
                        </strong>
                      </a>
                      <div class="muted small mono">{release.id}</div>
                      {release.description === undefined ? null : <div class="small">{release.description}</div>}
                    </td>
                    <td class="nowrap" data-label="version">
                      v{release.version} <span class="muted small">from v{release.stableVersion}</span>
                    </td>
                    <td>
                      <StateBadge state={release.state} /> <UnjudgedBadge release={release} />
                    </td>
                    <td data-label="weight">
                      <WeightBar percent={release.weight} label="new version's traffic" />
                    </td>
                    <td class="small" data-label="step">
                      {stepText(release)}
                    </td>
                    <td class="small nowrap" data-label="created">
                      <time datetime={isoOf(release.createdAt)}>{dateTime(release.createdAt)}</time>
                      {release.createdBy === undefined ? null : <div class="muted">by {release.createdBy}</div>}
                    </td>
                  </tr>
              ))}
            </tbody>
          </table>
        )}
        {props.nextHref === undefined && props.firstHref === undefined ? null : (
          <nav class="pager" aria-label="Pages">
            {props.firstHref === undefined ? null : (
              <a class="button secondary" href={props.firstHref}>
                ← Newest
              </a>
            )}
            {props.nextHref === undefined ? null : (
              <a class="button secondary" href={props.nextHref}>
                Older →
              </a>
            )}
          </nav>
        )}
      </div>
    </Layout>
  );
}
