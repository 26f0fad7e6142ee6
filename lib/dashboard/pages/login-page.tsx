import { Layout } from '../components/layout.js';
import { ErrorNotice } from '../components/error-notice.js';

export interface LoginPageProps {
  /** Where to go after signing in; always a path on this site. */
  readonly next: string;
  readonly error?: string | undefined;
  readonly info?: string | undefined;
}

/** The one place a token is typed; it is never shown back. */
export function LoginPage(props: LoginPageProps) {
  return (
    <Layout title="Sign in">
      <div class="login card">
        <h1>Sign in</h1>
        <p class="muted">Paste an API token (rg_…). The dashboard keeps it in an HttpOnly cookie for this browser and checks it on every page, so revoking the token signs you out.</p>
        <ErrorNotice message={props.error} />
        {props.info === undefined ? null : <p class="notice info">{props.info}</p>}
        <form method="post" action="/ui/login">
          <input type="hidden" name="next" value={props.next} />
          <label for="token">API token</label>
          <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} required />
          <div class="actions">
            <button type="submit">Sign in</button>
          </div>
        </form>
      </div>
    </Layout>
  );
}
