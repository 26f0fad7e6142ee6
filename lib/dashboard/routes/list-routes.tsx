import type { Hono } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import { authorize, mayReadFunction } from '../../access.js';
import { FunctionNameSchema } from '../../api/schemas.js';
import { ACTIVE_STATES, RELEASE_STATES, type Release, type ReleaseState } from '../../core/release.js';
import { InvalidCursorError } from '../../errors.js';
import { ReleasesPage, type ReleaseFilters } from '../pages/releases-page.js';
import { readSession } from '../session.js';

const PAGE_SIZE = 25;

function pageSize(text: string | undefined): number {
  const size = text !== undefined && /^\d{1,3}$/.test(text) ? Number(text) : PAGE_SIZE;
  return size >= 1 && size <= 100 ? size : PAGE_SIZE;
}

function filtersFrom(query: Record<string, string>): { filters: ReleaseFilters; problems: string[] } {
  const problems: string[] = [];
  const fn = query.function?.trim() || undefined;
  const state = query.state || undefined;
  if (fn !== undefined && !FunctionNameSchema.safeParse(fn).success) problems.push('a function name is 1–64 letters, digits, - or _');
  if (state !== undefined && !(RELEASE_STATES as readonly string[]).includes(state)) problems.push(`no state called '${state}'`);
  return {
    filters: {
      function: problems.length === 0 ? fn : undefined,
      state: problems.length === 0 ? (state as ReleaseState | undefined) : undefined,
    },
    problems,
  };
}

function href(filters: ReleaseFilters, limit: number, cursor?: string): string {
  const params = new URLSearchParams();
  if (filters.function !== undefined) params.set('function', filters.function);
  if (filters.state !== undefined) params.set('state', filters.state);
  if (limit !== PAGE_SIZE) params.set('limit', String(limit));
  if (cursor !== undefined) params.set('cursor', cursor);
  const text = params.toString();
  return text === '' ? '/' : `/?${text}`;
}

export function registerListRoutes(ui: Hono, deps: ApiDeps): void {
  ui.get('/', async (c) => {
    const session = await readSession(c, deps);
    const { filters, problems } = filtersFrom(c.req.query());
    authorize(session.principal, 'releases:read', filters.function === undefined ? {} : { function: filters.function });
    const cursor = c.req.query('cursor') || undefined;
    const limit = pageSize(c.req.query('limit'));
    let items: readonly Release[] = [];
    let next: string | undefined;
    let error = problems.length > 0 ? `Filters ignored: ${problems.join('; ')}.` : undefined;
    try {
      const page = await deps.engine.store.list({ ...filters, limit, cursor: cursor !== undefined && cursor.length <= 2048 ? cursor : undefined });
      items = page.items;
      next = page.cursor;
    } catch (caught) {
      if (!(caught instanceof InvalidCursorError)) throw caught;
      // A cursor from another filter or an old link: show the newest page and say so.
      const page = await deps.engine.store.list({ ...filters, limit });
      items = page.items;
      next = page.cursor;
      error = 'That page link does not belong to these filters; showing the newest releases.';
    }
    const releases = items.filter((release) => mayReadFunction(session.principal, release.function));
    return c.html(
      <ReleasesPage
        session={session}
        releases={releases}
        filters={filters}
        nextHref={next === undefined ? undefined : href(filters, limit, next)}
        firstHref={cursor === undefined ? undefined : href(filters, limit)}
        error={error}
        refresh={cursor === undefined && releases.some((release) => ACTIVE_STATES.has(release.state))}
      />,
    );
  });
}
