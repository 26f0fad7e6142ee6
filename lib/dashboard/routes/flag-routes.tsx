import type { Hono } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import { authorize } from '../../access.js';
import { flagReaderOf, flagsView } from '../flags-view.js';
import { FlagsPage } from '../pages/flags-page.js';
import { readSession } from '../session.js';

export function registerFlagRoutes(ui: Hono, deps: ApiDeps): void {
  ui.get('/ui/flags', async (c) => {
    const session = await readSession(c, deps);
    authorize(session.principal, 'flags:read');
    const reader = flagReaderOf(deps);
    if (reader === undefined) return c.html(<FlagsPage session={session} flags={undefined} cohorts={[]} />);
    const { flags, cohorts } = await flagsView(reader, session.principal);
    return c.html(<FlagsPage session={session} flags={flags} cohorts={cohorts} />);
  });
}
