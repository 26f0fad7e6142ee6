import type { Hono } from 'hono';
import type { ApiDeps } from '../../api/deps.js';
import { ApiError } from '../../api/errors.js';
import { LoginPage } from '../pages/login-page.js';
import { checkToken, endSession, startSession } from '../session.js';
import { safeNext } from '../ui-errors.js';

/** authenticate()'s messages never contain the token; the one about headers (spaces inside the token) is reworded for people. */
function refusal(error: ApiError): string {
  return `That token was not accepted: ${error.message.startsWith('send Authorization') ? 'the token is malformed' : error.message}.`;
}

export function registerAuthRoutes(ui: Hono, deps: ApiDeps): void {
  ui.get('/ui/login', (c) => c.html(<LoginPage next={safeNext(c.req.query('next'))} info={c.req.query('signed_out') === '1' ? 'You are signed out.' : undefined} />));

  ui.post('/ui/login', async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (token === '') return c.html(<LoginPage next={next} error="Paste a token to sign in." />, 401);
    try {
      await checkToken(token, deps);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return c.html(<LoginPage next={next} error={refusal(error)} />, 401);
      throw error;
    }
    startSession(c, token);
    return c.redirect(next, 303);
  });

  ui.post('/ui/logout', (c) => {
    endSession(c);
    return c.redirect('/ui/login?signed_out=1', 303);
  });
}
