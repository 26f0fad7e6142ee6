import type { Context, Hono } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import { authorize } from '../../access.js';
import { ApiError } from '../../api/errors.js';
import { IdSchema } from '../../api/schemas.js';
import { InvalidTransitionError } from '../../core/errors.js';
import { act } from '../../engine/actions.js';
import { AliasDriftedError, ReasonRequiredError } from '../../engine/errors.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { ReleasePage } from '../pages/release-page.js';
import { isHumanAction, needsReason, scopeFor } from '../release-actions.js';
import { readableRelease } from '../../engine/read.js';
import { releaseView } from '../release-view.js';
import { csrfMatches, readSession, type Session } from '../session.js';

const MAX_REASON = 1000;

function releaseId(c: Context): string {
  const id = c.req.param('id') ?? '';
  if (!IdSchema.safeParse(id).success) throw new NotFoundError(`release ${id.slice(0, 64)}`);
  return id;
}

async function renderRelease(c: Context, deps: ApiDeps, session: Session, id: string, error?: { message: string; status: 400 | 409 }): Promise<Response> {
  const release = await readableRelease(deps.engine.store, session.principal, id);
  const view = await releaseView(deps, session.principal, release);
  // A page answering a POST never reloads itself: the browser would offer to post the form again.
  return c.html(<ReleasePage session={session} {...view} refresh={view.refresh && error === undefined} error={error?.message} />, error?.status ?? 200);
}

/** A domain error a person can act on, as one sentence; anything else is not theirs to fix. */
function refusal(action: string, error: unknown): { message: string; status: 400 | 409 } | undefined {
  if (error instanceof InvalidTransitionError) {
    return { message: `Could not ${action}: the release is ${error.state.replace('_', ' ')}${error.detail ? ` (${error.detail})` : ''}.`, status: 409 };
  }
  if (error instanceof AliasDriftedError) return { message: `Could not ${action}: ${error.explanation}.`, status: 409 };
  if (error instanceof ReasonRequiredError) return { message: `Could not ${action}: ${error.message}.`, status: 400 };
  if (error instanceof ConflictError) return { message: `Could not ${action}: the release changed at the same moment; look at it again and retry.`, status: 409 };
  return undefined;
}

export function registerReleaseRoutes(ui: Hono, deps: ApiDeps): void {
  ui.get('/ui/releases/:id', async (c) => renderRelease(c, deps, await readSession(c, deps), releaseId(c)));

  ui.post('/ui/releases/:id/:action', async (c) => {
    const session = await readSession(c, deps);
    const id = releaseId(c);
    const form = await c.req.parseBody();
    if (!csrfMatches(c, form.csrf)) {
      throw new ApiError(403, 'forbidden', 'this form did not come from your dashboard session (or the session changed); reload the page and try again');
    }
    const action = c.req.param('action');
    if (!isHumanAction(action)) throw new NotFoundError(`action ${action.slice(0, 32)}`);
    const release = await readableRelease(deps.engine.store, session.principal, id);
    // The API's rule, checked before anything else is said about the release.
    authorize(session.principal, scopeFor(action), { function: release.function });
    const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
    if (needsReason(action) && reason === '') {
      return renderRelease(c, deps, session, id, { message: `Could not ${action}: it overrides the gate and needs a reason, which stays in the audit record.`, status: 400 });
    }
    if (reason.length > MAX_REASON) return renderRelease(c, deps, session, id, { message: `Could not ${action}: keep the reason under ${MAX_REASON} characters.`, status: 400 });
    try {
      await act(deps.engine, id, { action, actor: session.principal.subject, reason: reason === '' ? undefined : reason });
    } catch (error) {
      const answer = refusal(action, error);
      if (answer === undefined) throw error;
      return renderRelease(c, deps, session, id, answer);
    }
    return c.redirect(`/ui/releases/${encodeURIComponent(id)}`, 303);
  });
}
