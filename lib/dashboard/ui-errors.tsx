import type { Context } from 'hono';
import type { ApiDeps } from '../api/deps.js';
import { ApiError, toApiError } from '../api/errors.js';
import { DependencyUnavailableError, ForbiddenError, InvalidCursorError, NotFoundError } from '../errors.js';
import { ErrorPage } from './pages/error-page.js';
import { endSession, readSession, type Session } from './session.js';

/** Only paths on this site, so the login form cannot be used to send people elsewhere. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 1024 || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

export function loginRedirect(c: Context): Response {
  const url = new URL(c.req.url);
  const next = c.req.method === 'GET' ? `${url.pathname}${url.search}` : '/';
  return c.redirect(`/ui/login?next=${encodeURIComponent(safeNext(next))}`, 303);
}

async function sessionOrNothing(c: Context, deps: ApiDeps): Promise<Session | undefined> {
  try {
    return await readSession(c, deps);
  } catch {
    return undefined;
  }
}

/**
 * The dashboard's one error handler: pages answer in HTML, not the API's JSON. No session sends
 * the person to sign in; anything unexpected is logged and shown without its details.
 */
export function uiErrorHandler(deps: ApiDeps) {
  return async (error: Error, c: Context): Promise<Response> => {
    if (error instanceof ApiError && error.status === 401) {
      endSession(c);
      return loginRedirect(c);
    }
    const session = await sessionOrNothing(c, deps);
    if (error instanceof ForbiddenError || (error instanceof ApiError && error.status === 403)) {
      return c.html(<ErrorPage status={403} title="Not allowed" message={error.message} session={session} />, 403);
    }
    if (error instanceof NotFoundError) {
      return c.html(<ErrorPage status={404} title="Not found" message={`${error.message}, or your token may not see it`} session={session} />, 404);
    }
    if (error instanceof InvalidCursorError) {
      return c.html(<ErrorPage status={400} title="Bad page link" message={error.message} session={session} />, 400);
    }
    if (error instanceof ApiError && error.status < 500) {
      return c.html(<ErrorPage status={error.status} title="Request refused" message={error.message} session={session} />, error.status);
    }
    if (error instanceof DependencyUnavailableError) {
      // The API's answer says which service and when to try again; the page says the same.
      const answer = toApiError(error);
      deps.engine.logger.warn('dependency unavailable', { path: c.req.path, error: String(error) });
      return c.html(<ErrorPage status={503} title="Try again shortly" message={answer.message} session={session} />, 503, { ...answer.headers });
    }
    deps.engine.logger.error('dashboard error', { path: c.req.path, error: String(error), stack: error.stack });
    return c.html(<ErrorPage status={500} title="Something went wrong" message="The page could not be built; the details are in the gate's logs." session={session} />, 500);
  };
}
